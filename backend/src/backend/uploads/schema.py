"""What the assistant knows about an upload's tables, read from the parsed values themselves.

The tables are not visible to any other connection until the upload's transaction commits, so
the description is built here, by the same rules as ``targets.introspect`` (low-cardinality text
columns keep their values, most frequent first); a later re-scan reads the stored tables.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.types import TypeEngine

from backend.targets.introspect import LOW_CARDINALITY, SAMPLE_MAX_CHARS
from backend.targets.schema_info import ColumnInfo, SchemaInfo, TableInfo
from backend.uploads.readers.kinds import Kind
from backend.uploads.readers.tables import ParsedTable


def _samples(values: list[Any]) -> tuple[str, ...]:
    counts = Counter(value for value in values if value is not None)
    if len(counts) > LOW_CARDINALITY or any(len(v) > SAMPLE_MAX_CHARS for v in counts):
        return ()
    return tuple(value for value, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def describe(
    tables: list[ParsedTable], dialect: str, types: dict[Kind, TypeEngine[Any]]
) -> SchemaInfo:
    described = []
    for table in tables:
        columns = []
        for position, column in enumerate(table.columns):
            values = [row[position] for row in table.rows]
            columns.append(
                ColumnInfo(
                    name=column.name,
                    kind=column.kind,
                    raw_type=str(types[column.kind]),
                    nullable=True,
                    samples=_samples(values) if column.kind == "text" else (),
                )
            )
        described.append(TableInfo(table.name, tuple(columns), (), len(table.rows)))
    return SchemaInfo(dialect=dialect, tables=tuple(described))
