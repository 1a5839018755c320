"""The SQL dialects the product runs queries in, spelled once (sqlglot's names)."""

from __future__ import annotations

import enum


class Dialect(enum.StrEnum):
    POSTGRES = "postgres"
    SQLITE = "sqlite"
    MYSQL = "mysql"  # MySQL and MariaDB: one SQL dialect, told apart where they differ

    @property
    def label(self) -> str:
        """How people call it (in prompts and messages)."""
        return {"postgres": "PostgreSQL", "sqlite": "SQLite", "mysql": "MySQL"}[self.value]
