"""Liveness and readiness in one cheap call: the platform's health check and the frontend's."""

from __future__ import annotations

from contract.health import Health
from fastapi import APIRouter, Response

from backend.api.deps import ServicesDep
from backend.health.service import RETRY_AFTER_SECONDS, public

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "database unreachable or schema behind"}},
)
def health(services: ServicesDep, response: Response) -> Health:
    report = services.health.check()
    if report.database != "ok":
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return public(report)
