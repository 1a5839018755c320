"""The base of every model of the contract."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    """Frozen, and tolerant of fields a newer backend adds (a reader ignores what it does not
    know; removing or retyping a field is what breaks the contract)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
