"""The limits the server enforces and the plans on offer, so every page says the same thing."""

from __future__ import annotations

from contract.base import ApiModel


class Limits(ApiModel):
    anonymous_free_questions: int
    free_monthly_quota: int
    max_connections: int
    max_question_chars: int
    max_sql_chars: int
    row_cap: int
    csv_row_cap: int


class Tier(ApiModel):
    name: str
    price: str
    features: list[str]
    available: bool


class Plans(ApiModel):
    limits: Limits
    tiers: list[Tier]
