"""A database the assistant may query: the demo, or one of the user's connections."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from backend.core.dialects import Dialect
from backend.targets.schema_info import SchemaInfo

DEMO_TARGET = "demo"


@dataclass(frozen=True)
class QueryTarget:
    key: str  # DEMO_TARGET or a connection id
    engine: Engine  # read-only by construction (a read-only role or file), pooled
    dialect: Dialect
    db_schema: str | None  # PostgreSQL schema holding the tables (the demo's is "demo")
    schema_info: SchemaInfo  # cached introspection of every table
    enabled_tables: frozenset[str] | None  # None: every table is enabled

    @property
    def is_demo(self) -> bool:
        return self.key == DEMO_TARGET

    def enabled_schema(self) -> SchemaInfo:
        return self.schema_info.only(self.enabled_tables)
