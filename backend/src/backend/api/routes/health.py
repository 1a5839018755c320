"""Liveness and readiness in one cheap call: the platform's health check and the frontend's."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from backend.services.health import DatabaseState, HealthService

router = APIRouter(tags=["health"])


class LlmDetail(BaseModel):
    """The model server's last readiness probe; it never changes the health status."""

    state: Literal["checking", "ok", "failing"]
    mode: str | None = None
    latency_ms: float | None = None
    context_tokens: int | None = None
    detail: str | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    commit: str | None
    database: DatabaseState
    llm: LlmDetail | None = None  # only with a language model configured


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
