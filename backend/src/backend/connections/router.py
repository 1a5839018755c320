"""Connections of the signed-in user (thin; rules in ``connections.service``)."""

from __future__ import annotations

from contract.connections import Connection, ConnectionList, ConnectionTest, ParsedConnection
from fastapi import APIRouter, Response

from backend.api.deps import CurrentUser, DbSession, ServicesDep
from backend.api.errors import documented
from backend.connections.schemas import EnabledTables, NewConnection, Source

router = APIRouter(prefix="/connections", tags=["connections"])

_SIGNED_IN = "unauthorized / invalid_token: sign in first"
SOURCE_ERRORS = documented(
    e401=_SIGNED_IN,
    e422="invalid_connection or connection_failed: the detail says what to fix",
)
ITEM_ERRORS = documented(
    e401=_SIGNED_IN,
    e404="not_found: no such connection for this account",
    e409="credentials_unreadable: the saved credentials cannot be decrypted",
    e422="invalid_input or connection_failed: the detail says what to fix",
)


@router.post("/parse", response_model=ParsedConnection, responses=SOURCE_ERRORS)
def parse(body: Source, _: CurrentUser, services: ServicesDep) -> ParsedConnection:
    return services.connections.parse(body.url, body.env_text, body.ssl_mode).describe()


@router.post("/test", response_model=ConnectionTest, responses=SOURCE_ERRORS)
def test(body: Source, _: CurrentUser, services: ServicesDep) -> ConnectionTest:
    registry = services.connections
    spec = registry.parse(body.url, body.env_text, body.ssl_mode)
    info = registry.test(spec)
    return ConnectionTest(
        ok=True, dialect=spec.dialect, display_url=spec.display_url(), table_count=len(info.tables)
    )


@router.post("", status_code=201, response_model=Connection, responses=SOURCE_ERRORS)
def create(
    body: NewConnection, user: CurrentUser, services: ServicesDep, session: DbSession
) -> Connection:
    registry = services.connections
    spec = registry.parse(body.url, body.env_text, body.ssl_mode)
    return registry.create(session, user.user_id, body.name, spec)


@router.get("", response_model=ConnectionList, responses=documented(e401=_SIGNED_IN))
def list_connections(
    user: CurrentUser, services: ServicesDep, session: DbSession
) -> ConnectionList:
    return ConnectionList(items=services.connections.list_owned(session, user.user_id))


@router.get("/{connection_id}", response_model=Connection, responses=ITEM_ERRORS)
def get(
    connection_id: str, user: CurrentUser, services: ServicesDep, session: DbSession
) -> Connection:
    return services.connections.get(session, user.user_id, connection_id)


@router.put("/{connection_id}/tables", response_model=Connection, responses=ITEM_ERRORS)
def set_tables(
    connection_id: str,
    body: EnabledTables,
    user: CurrentUser,
    services: ServicesDep,
    session: DbSession,
) -> Connection:
    return services.connections.set_enabled(session, user.user_id, connection_id, body.enabled)


@router.post("/{connection_id}/scan", response_model=Connection, responses=ITEM_ERRORS)
def scan(
    connection_id: str, user: CurrentUser, services: ServicesDep, session: DbSession
) -> Connection:
    return services.connections.rescan(session, user.user_id, connection_id)


@router.delete("/{connection_id}", status_code=204, responses=ITEM_ERRORS)
def delete(
    connection_id: str, user: CurrentUser, services: ServicesDep, session: DbSession
) -> Response:
    services.connections.delete(session, user.user_id, connection_id)
    return Response(status_code=204)
