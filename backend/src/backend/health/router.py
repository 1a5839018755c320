"""Liveness and readiness in one cheap call: the platform's health check and the frontend's."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from backend.health.service import DatabaseState, HealthService

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    commit: str | None
    database: DatabaseState


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "database unreachable or schema behind"}},
)
def health(request: Request, response: Response) -> Health:
    service: HealthService = request.app.state.health
    report = service.check()
    if report.database != "ok":
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    return Health(
        status="ok" if report.database == "ok" else "degraded",
        version=report.version,
        commit=report.commit,
        database=report.database,
    )
