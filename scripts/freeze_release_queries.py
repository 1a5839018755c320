"""Freeze the SQL the current release runs against its own tables, for the rollback test.

Run ``python -m scripts.freeze_release_queries`` right after a release ships. It writes
``tests/delivery/previous_release.sql``: for every app table, an INSERT naming every column the
release's models write and a SELECT of every column they read. From then on the delivery tests
run that file against a database migrated to the newest revision, which fails if a migration
drops or renames a column, or adds a required column without a default: exactly the changes
that break the previous release during a deploy's overlap or after a dashboard rollback.
"""

from __future__ import annotations

from pathlib import Path

from backend.data.models import Base
from backend.data.revisions import known_revisions
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
)

SNAPSHOT = Path(__file__).resolve().parents[1] / "tests" / "delivery" / "previous_release.sql"


def _literal(column: Column[object], row_ids: dict[str, str]) -> str:
    for key in column.foreign_keys:
        return f"'{row_ids[key.column.table.name]}'"
    kind = column.type
    if isinstance(kind, String | Text):
        length = getattr(kind, "length", None) or 1000
        text = row_ids[column.table.name] if column.primary_key else column.name
        return f"'{text[:length]}'"
    if isinstance(kind, Boolean):
        return "true"
    if isinstance(kind, Integer | SmallInteger):
        return "1"
    if isinstance(kind, DateTime):
        return "CURRENT_TIMESTAMP"
    if isinstance(kind, JSON):
        return "'{}'"
    if isinstance(kind, LargeBinary):
        return "decode('00', 'hex')"
    raise TypeError(f"no literal for {column.table.name}.{column.name}: {kind!r}")


def _written(table: Table) -> list[Column[object]]:
    """Columns the ORM writes: all but database-generated integer keys."""
    return [
        c
        for c in table.columns
        if not (c.primary_key and c.autoincrement is True and isinstance(c.type, Integer))
    ]


def release_queries() -> str:
    tables = Base.metadata.sorted_tables
    row_ids = {table.name: f"00000000-0000-4000-8000-{i:012d}" for i, table in enumerate(tables)}
    lines = [
        f"-- Queries of the release at migration {known_revisions()[0]}, frozen by",
        "-- `python -m scripts.freeze_release_queries`. Do not edit by hand.",
    ]
    for table in tables:
        written = _written(table)
        names = ", ".join(c.name for c in written)
        values = ", ".join(_literal(c, row_ids) for c in written)
        lines.append(f"INSERT INTO {table.name} ({names}) VALUES ({values});")
        every = ", ".join(c.name for c in table.columns)
        lines.append(f"SELECT {every} FROM {table.name};")
    return "\n".join(lines) + "\n"


def main() -> None:
    SNAPSHOT.write_text(release_queries())
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
