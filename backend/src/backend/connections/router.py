"""Connections of the signed-in user (thin; rules in services.connections)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, StringConstraints

from backend.api.deps import CurrentUser, DbSession
from backend.connections.service import ConnectionRegistry
from backend.connections.urls import SslMode

router = APIRouter(prefix="/connections", tags=["connections"])


class Source(BaseModel):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    env_text: Annotated[str, StringConstraints(min_length=1, max_length=16_384)] | None = None
    ssl_mode: SslMode | None = None


class NewConnection(Source):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class EnabledTables(BaseModel):
    enabled: list[Annotated[str, StringConstraints(max_length=255)]] = Field(max_length=10_000)


def _registry(request: Request) -> ConnectionRegistry:
    registry: ConnectionRegistry = request.app.state.connections
    return registry


@router.post("/parse")
def parse(body: Source, _: CurrentUser, request: Request) -> dict[str, Any]:
    return _registry(request).parse(body.url, body.env_text, body.ssl_mode).describe()


@router.post("/test")
def test(body: Source, _: CurrentUser, request: Request) -> dict[str, Any]:
    registry = _registry(request)
    spec = registry.parse(body.url, body.env_text, body.ssl_mode)
    info = registry.test(spec)
    return {
        "ok": True,
        "dialect": spec.dialect,
        "display_url": spec.display_url(),
        "table_count": len(info.tables),
    }


@router.post("", status_code=201)
def create(
    body: NewConnection, user: CurrentUser, request: Request, session: DbSession
) -> dict[str, Any]:
    registry = _registry(request)
    spec = registry.parse(body.url, body.env_text, body.ssl_mode)
    return registry.create(session, str(user.user_id), body.name, spec)


@router.get("")
def list_connections(user: CurrentUser, request: Request, session: DbSession) -> dict[str, Any]:
    return {"items": _registry(request).list_owned(session, str(user.user_id))}


@router.get("/{connection_id}")
def get(
    connection_id: str, user: CurrentUser, request: Request, session: DbSession
) -> dict[str, Any]:
    return _registry(request).get(session, str(user.user_id), connection_id)


@router.put("/{connection_id}/tables")
def set_tables(
    connection_id: str, body: EnabledTables, user: CurrentUser, request: Request, session: DbSession
) -> dict[str, Any]:
    return _registry(request).set_enabled(session, str(user.user_id), connection_id, body.enabled)


@router.post("/{connection_id}/scan")
def scan(
    connection_id: str, user: CurrentUser, request: Request, session: DbSession
) -> dict[str, Any]:
    return _registry(request).rescan(session, str(user.user_id), connection_id)


@router.delete("/{connection_id}", status_code=204)
def delete(connection_id: str, user: CurrentUser, request: Request, session: DbSession) -> Response:
    _registry(request).delete(session, str(user.user_id), connection_id)
    return Response(status_code=204)
