"""Liveness and readiness in one cheap call: the platform's health check and the frontend's."""

from __future__ import annotations

from contract.health import Health, LlmDetail
from fastapi import APIRouter, Response

from backend.api.deps import ServicesDep

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
        response.headers["Retry-After"] = "5"
    llm = None
    if report.llm_enabled:
        probe = report.llm
        llm = LlmDetail(state="checking")
        if probe is not None:
            llm = LlmDetail(
                state="ok" if probe.ok else "failing",
                mode=probe.mode,
                latency_ms=probe.latency_ms,
                context_tokens=probe.context_tokens,
                detail=probe.detail,
            )
    return Health(
        status="ok" if report.database == "ok" else "degraded",
        version=report.version,
        commit=report.commit,
        database=report.database,
        llm=llm,
    )
