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

    @property
    def prompt_notes(self) -> str:
        """What a model writing this dialect gets wrong unless told (empty when nothing)."""
        if self is Dialect.MYSQL:
            return (
                "Write MySQL: quote names with backticks (never double quotes, which are "
                "strings); dates with DATE_FORMAT(d, '%Y-%m'), YEAR(d), QUARTER(d), "
                "DATE_SUB(CURDATE(), INTERVAL n MONTH); concatenate with CONCAT() (|| is OR); "
                "LIMIT n for the first rows."
            )
        return ""
