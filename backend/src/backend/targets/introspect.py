"""Read a database's shape once: tables, columns, kinds, keys, sizes and sample values.

Works through SQLAlchemy's inspector, so PostgreSQL, MySQL/MariaDB and SQLite share one path;
only the row estimate has shortcuts (PostgreSQL's ``pg_class.reltuples``, MySQL's
``information_schema.TABLES.TABLE_ROWS``: no table scan). On PostgreSQL and MySQL the scan is a
READ ONLY transaction and each sampling query has a time limit; sampling as a whole has a
budget, so a database with hundreds of large tables is scanned in seconds, not hours.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, column, func, inspect, select, table, text, types
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from backend.connections.mysql_connect import session_settings
from backend.targets.schema_info import (
    ColumnInfo,
    ColumnKind,
    ForeignKeyInfo,
    SchemaInfo,
    TableInfo,
)

log = logging.getLogger(__name__)

# A text column with at most this many distinct values is categorical:
# all of its values are kept, most frequent first, so words can be linked to them.
LOW_CARDINALITY = 60
SAMPLE_TIMEOUT_MS = 3000
SAMPLE_BUDGET_SECONDS = 15.0
SAMPLE_MAX_CHARS = 80
COMMENT_CHARS = 200


def introspect(
    engine: Engine,
    *,
    dialect: str,
    db_schema: str | None = None,
    sample_budget_seconds: float = SAMPLE_BUDGET_SECONDS,
) -> SchemaInfo:
    """Describe every table and view of ``db_schema`` (the default schema when None).

    Columns met after ``sample_budget_seconds`` of sampling get no sample values.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION READ ONLY"))
            # Sampling scans whole columns: a big table gives up on samples, not the scan.
            connection.execute(text(f"SET LOCAL statement_timeout = {SAMPLE_TIMEOUT_MS}"))
        elif connection.dialect.name == "mysql":
            driver = connection.connection.driver_connection
            limit = session_settings(
                driver, timeout_seconds=SAMPLE_TIMEOUT_MS / 1000, select_limit=None
            )
            connection.exec_driver_sql(limit)
            connection.exec_driver_sql("START TRANSACTION READ ONLY")
        scan = _Scan(
            connection, inspect(connection), db_schema, time.monotonic() + sample_budget_seconds
        )
        names = sorted(set(scan.inspector.get_table_names(schema=db_schema)))
        views = sorted(set(scan.inspector.get_view_names(schema=db_schema)) - set(names))
        estimates = _row_estimates(connection, db_schema)
        tables = [scan.table(name, estimates.get(name)) for name in names]
        tables += [scan.table(name, None) for name in views]
        connection.rollback()
    return SchemaInfo(dialect=dialect, tables=tuple(tables))


def column_kind(sql_type: Any) -> ColumnKind:
    """Map a reflected SQLAlchemy type onto the few kinds the engines reason about."""
    if isinstance(sql_type, types.Boolean) or _is_mysql_boolean(sql_type):
        return "boolean"
    if isinstance(sql_type, types.Integer):
        return "integer"
    if isinstance(sql_type, types.Numeric | types.Float):
        return "number"
    if isinstance(sql_type, types.DateTime):
        return "timestamp"
    if isinstance(sql_type, types.Date):
        return "date"
    if isinstance(sql_type, types.String | types.Enum | types.Uuid):
        return "text"
    return "other"


def _is_mysql_boolean(sql_type: Any) -> bool:
    """MySQL's BOOLEAN is TINYINT(1), and reflects as that (named, not imported: SQLAlchemy's
    MySQL dialect loads only when a MySQL database is connected)."""
    return type(sql_type).__name__ == "TINYINT" and getattr(sql_type, "display_width", 0) == 1


@dataclass(frozen=True)
class _Scan:
    connection: Connection
    inspector: Any
    db_schema: str | None
    sample_deadline: float

    def table(self, name: str, estimate: int | None) -> TableInfo:
        schema = self.db_schema
        primary = set(
            self.inspector.get_pk_constraint(name, schema=schema).get("constrained_columns") or []
        )
        columns = []
        for raw in self.inspector.get_columns(name, schema=schema):
            kind = column_kind(raw["type"])
            samples: tuple[str, ...] = ()
            if kind == "text" and raw["name"] not in primary:
                samples = self.samples(name, raw["name"])
            columns.append(
                ColumnInfo(
                    name=raw["name"],
                    kind=kind,
                    raw_type=_type_name(raw["type"]),
                    nullable=bool(raw.get("nullable", True)),
                    primary_key=raw["name"] in primary,
                    samples=samples,
                    comment=(raw.get("comment") or None) and str(raw["comment"])[:COMMENT_CHARS],
                )
            )
        foreign_keys = tuple(
            ForeignKeyInfo(
                columns=tuple(fk["constrained_columns"]),
                ref_table=fk["referred_table"],
                ref_columns=tuple(fk["referred_columns"]),
            )
            for fk in self.inspector.get_foreign_keys(name, schema=schema)
            if fk.get("referred_table")
        )
        if estimate is None and self.connection.dialect.name == "sqlite":
            counted = self.optional(
                select(func.count()).select_from(table(name, schema=schema)), f"counting {name}"
            )
            estimate = int(counted[0][0]) if counted else None
        return TableInfo(name, tuple(columns), foreign_keys, estimate)

    def samples(self, name: str, column_name: str) -> tuple[str, ...]:
        """All values of a categorical text column (most frequent first); () for free text."""
        if time.monotonic() > self.sample_deadline:
            return ()
        value = table(name, column(column_name), schema=self.db_schema).c[column_name]
        query = (
            select(value, func.count().label("n"))
            .where(value.is_not(None))
            .group_by(value)
            .order_by(func.count().desc(), value)
            .limit(LOW_CARDINALITY + 1)
        )
        rows = self.optional(query, f"sampling {name}.{column_name}")
        if rows is None or len(rows) > LOW_CARDINALITY:
            return ()
        values = [str(v) for v, _ in rows]
        if any(len(v) > SAMPLE_MAX_CHARS for v in values):
            return ()
        return tuple(values)

    def optional(self, query: Any, what: str) -> list[Any] | None:
        """Run one query the scan can do without; on PostgreSQL in a savepoint, so a timeout
        skips just this query."""
        try:
            if self.connection.dialect.name == "postgresql":
                with self.connection.begin_nested():
                    return list(self.connection.execute(query).all())
            return list(self.connection.execute(query).all())
        except SQLAlchemyError as error:
            log.warning("%s failed: %s", what, type(error).__name__)
            return None


def _type_name(sql_type: Any) -> str:
    try:
        return str(sql_type)
    except Exception:  # some reflected types cannot render without a dialect
        return type(sql_type).__name__.upper()


def _row_estimates(connection: Connection, db_schema: str | None) -> dict[str, int]:
    """The planner's statistics: free, and close enough to size a table."""
    if connection.dialect.name == "mysql":
        rows = connection.execute(
            text(
                "SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = coalesce(:schema, DATABASE()) AND TABLE_TYPE = 'BASE TABLE'"
            ),
            {"schema": db_schema},
        )
        return {str(name): int(count) for name, count in rows if count is not None}
    if connection.dialect.name != "postgresql":
        return {}
    rows = connection.execute(
        text(
            "SELECT c.relname, c.reltuples FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = coalesce(:schema, current_schema()) "
            "AND c.relkind IN ('r', 'p', 'm')"
        ),
        {"schema": db_schema},
    )
    # reltuples is -1 for a table never analysed: unknown, not empty.
    return {str(name): int(count) for name, count in rows if count is not None and count >= 0}
