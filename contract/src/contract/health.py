"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

from contract.base import ApiModel

DatabaseState = Literal["ok", "unreachable", "behind"]


class Health(ApiModel):
    status: Literal["ok", "degraded"]
    version: str
    commit: str | None
    database: DatabaseState
