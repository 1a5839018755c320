"""Read a database's shape once: tables, columns, kinds, keys, sizes and sample values.

Works through SQLAlchemy's inspector, so PostgreSQL, SQLite (and MySQL) share one path; only the
row estimate has a PostgreSQL shortcut (``pg_class.reltuples``, no table scan). Sample values are
read with a time limit on PostgreSQL, so a huge table costs seconds, not minutes.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, column, func, inspect, select, table, text, types
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from backend.services.schema_info import (
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
_SAMPLE_MAX_CHARS = 80


def introspect(engine: Engine, *, dialect: str, db_schema: str | None = None) -> SchemaInfo:
    """Describe every table and view of ``db_schema`` (the default schema when None)."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Sampling scans whole columns: a big table gives up on samples, not the scan.
            connection.execute(text(f"SET LOCAL statement_timeout = {SAMPLE_TIMEOUT_MS}"))
        inspector = inspect(connection)
        names = sorted(set(inspector.get_table_names(schema=db_schema)))
        views = sorted(set(inspector.get_view_names(schema=db_schema)) - set(names))
        estimates = _row_estimates(connection, db_schema)
        tables = [
            _describe_table(connection, inspector, name, db_schema, estimates.get(name))
            for name in names
        ]
        tables += [_describe_table(connection, inspector, name, db_schema, None) for name in views]
        connection.rollback()
    return SchemaInfo(dialect=dialect, tables=tuple(tables))


def column_kind(sql_type: Any) -> ColumnKind:
    """Map a reflected SQLAlchemy type onto the few kinds the engines reason about."""
    if isinstance(sql_type, types.Boolean):
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


def _describe_table(
    connection: Connection,
    inspector: Any,
    name: str,
    db_schema: str | None,
    estimate: int | None,
) -> TableInfo:
    primary = set(
        inspector.get_pk_constraint(name, schema=db_schema).get("constrained_columns") or []
    )
    columns = []
    for raw in inspector.get_columns(name, schema=db_schema):
        kind = column_kind(raw["type"])
        samples: tuple[str, ...] = ()
        if kind == "text" and raw["name"] not in primary:
            samples = _sample_values(connection, name, raw["name"], db_schema)
        columns.append(
            ColumnInfo(
                name=raw["name"],
                kind=kind,
                raw_type=_type_name(raw["type"]),
                nullable=bool(raw.get("nullable", True)),
                primary_key=raw["name"] in primary,
                samples=samples,
            )
        )
    foreign_keys = tuple(
        ForeignKeyInfo(
            columns=tuple(fk["constrained_columns"]),
            ref_table=fk["referred_table"],
            ref_columns=tuple(fk["referred_columns"]),
        )
        for fk in inspector.get_foreign_keys(name, schema=db_schema)
        if fk.get("referred_table")
    )
    if estimate is None and connection.dialect.name != "postgresql":
        estimate = _count_rows(connection, name, db_schema)
    return TableInfo(name, tuple(columns), foreign_keys, estimate)


def _type_name(sql_type: Any) -> str:
    try:
        return str(sql_type)
    except Exception:  # some reflected types cannot render without a dialect
        return type(sql_type).__name__.upper()


def _row_estimates(connection: Connection, db_schema: str | None) -> dict[str, int]:
    """PostgreSQL's planner statistics: free, and close enough to size a table."""
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


def _count_rows(connection: Connection, name: str, db_schema: str | None) -> int | None:
    rows = _bounded(
        connection,
        select(func.count()).select_from(table(name, schema=db_schema)),
        f"counting {name}",
    )
    return int(rows[0][0]) if rows else None


def _bounded(connection: Connection, query: Any, what: str) -> list[Any] | None:
    """Run one optional query; on PostgreSQL inside a savepoint, so a timeout skips just it."""
    try:
        if connection.dialect.name == "postgresql":
            with connection.begin_nested():
                return list(connection.execute(query).all())
        return list(connection.execute(query).all())
    except SQLAlchemyError as error:
        log.warning("%s failed: %s", what, type(error).__name__)
        return None


def _sample_values(
    connection: Connection, name: str, column_name: str, db_schema: str | None
) -> tuple[str, ...]:
    """All values of a categorical text column (most frequent first); () when it is free text."""
    source = table(name, column(column_name), schema=db_schema)
    value = source.c[column_name]
    query = (
        select(value, func.count().label("n"))
        .where(value.is_not(None))
        .group_by(value)
        .order_by(func.count().desc(), value)
        .limit(LOW_CARDINALITY + 1)
    )
    rows = _bounded(connection, query, f"sampling {name}.{column_name}")
    if rows is None:
        return ()
    if len(rows) > LOW_CARDINALITY:
        return ()
    values = [str(v) for v, _ in rows]
    if any(len(v) > _SAMPLE_MAX_CHARS for v in values):
        return ()
    return tuple(values)
