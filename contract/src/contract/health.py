"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

from contract.base import ApiModel

DatabaseState = Literal["ok", "unreachable", "behind"]


class LlmDetail(ApiModel):
    """The model server's last readiness probe; it never changes the health status."""

    state: Literal["checking", "ok", "failing"]
    mode: str | None = None
    latency_ms: float | None = None
    context_tokens: int | None = None
    detail: str | None = None


class Health(ApiModel):
    status: Literal["ok", "degraded"]
    version: str
    commit: str | None
    database: DatabaseState
    llm: LlmDetail | None = None  # only with a language model configured
