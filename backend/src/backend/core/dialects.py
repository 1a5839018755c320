"""The SQL dialects the product runs queries in, spelled once (sqlglot's names)."""

from __future__ import annotations

import enum


class Dialect(enum.StrEnum):
    POSTGRES = "postgres"
    SQLITE = "sqlite"

    @property
    def label(self) -> str:
        """How people call it (in prompts and messages)."""
        return {"postgres": "PostgreSQL", "sqlite": "SQLite"}[self.value]
