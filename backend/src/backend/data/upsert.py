"""``INSERT … ON CONFLICT`` for the app database, whichever it is (PostgreSQL or embedded
SQLite): both dialects spell it the same way, from different modules."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def insert_for(session: Session, table: Any) -> Any:
    """An insert on ``table`` that supports ``on_conflict_do_*`` on the session's database."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(table)


def increment_below(
    session: Session,
    model: Any,
    rows: Sequence[Mapping[str, Any]],
    *,
    counter: str,
    limit: int,
) -> list[int]:
    """Add one to ``counter`` of each row of ``model``'s table (keyed by its primary key; a new
    row starts at 1) unless it has reached ``limit``: one atomic statement for all rows, whose
    row locks make concurrent callers queue, each row's condition re-checked after its lock.

    Returns the new counts of the rows that were counted; a row at its limit returns nothing.
    Rows are locked in primary-key order, so two callers never wait on each other. The
    statement is built once per table and only its values change, so SQLAlchemy compiles it
    once (these counts run several times on every request); several rows go in one statement.
    """
    table = cast(Table, model.__table__)
    keys = tuple(column.name for column in table.primary_key.columns)
    ordered = sorted(rows, key=lambda row: tuple(row[key] for key in keys))
    statement = _increment_statement(session.get_bind().dialect.name, table, counter)
    params = [{**{f"key_{key}": row[key] for key in keys}, "limit": limit} for row in ordered]
    # A list of parameter sets runs as one multi-row statement ("insertmanyvalues").
    result = session.connection().execute(statement, params if len(params) > 1 else params[0])
    return [int(value) for value in result.scalars()]


@functools.cache
def _increment_statement(dialect: str, table: Table, counter: str) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    keys = [column.name for column in table.primary_key.columns]
    return (
        insert(table)
        .values({**{key: bindparam(f"key_{key}") for key in keys}, counter: 1})
        .on_conflict_do_update(
            index_elements=keys,
            set_={counter: table.c[counter] + 1},
            where=table.c[counter] < bindparam("limit"),
        )
        .returning(table.c[counter])
    )
