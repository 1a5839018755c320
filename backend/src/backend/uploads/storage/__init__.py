"""Where uploaded tables live, so that every backend replica can query them without a shared
disk: the app's PostgreSQL (``postgres``) or, on embedded defaults, a SQLite file (``sqlite``).

Both load inside the request's unit of work: a failure anywhere (a bad row, the allowance, the
app database) leaves nothing behind, and deleting the upload's row removes its data with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    MetaData,
    Numeric,
    Table,
    Text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from backend.core.config import Settings
from backend.core.dialects import Dialect
from backend.targets.schema_info import SchemaInfo
from backend.uploads.readers.kinds import Kind
from backend.uploads.readers.tables import ParsedTable

INSERT_BATCH_ROWS = 1000

SQL_TYPES: dict[Kind, TypeEngine[Any]] = {
    "boolean": Boolean(),
    "integer": BigInteger(),
    "number": Numeric(),
    "date": Date(),
    "timestamp": DateTime(),
    "text": Text(),
}


class UploadStorage(Protocol):
    dialect: Dialect
    types: dict[Kind, TypeEngine[Any]]  # the column type each kind is stored as

    def load(self, session: Session, upload_id: str, tables: list[ParsedTable]) -> int:
        """Create and fill the upload's tables in the session's transaction; bytes stored."""

    def engine(self, upload_id: str) -> Engine:
        """The engine questions about this upload run on: it can read this upload only."""

    def db_schema(self, upload_id: str) -> str | None: ...

    def scan(self, upload_id: str) -> SchemaInfo: ...

    def drop(self, session: Session, upload_id: str) -> None:
        """Remove the upload's data, with the session's transaction."""

    def dispose(self) -> None: ...


def build_storage(settings: Settings) -> UploadStorage:
    if settings.embedded:
        from backend.uploads.storage.sqlite import SqliteStorage

        return SqliteStorage(settings)
    from backend.uploads.storage.postgres import PostgresStorage

    return PostgresStorage(settings)


def write_tables(
    connection: Connection,
    tables: list[ParsedTable],
    *,
    schema: str | None,
    types: dict[Kind, TypeEngine[Any]] = SQL_TYPES,
) -> None:
    """CREATE and INSERT each table; columns are bound by position, never by the header."""
    metadata = MetaData(schema=schema)
    for parsed in tables:
        table = Table(
            parsed.name,
            metadata,
            *(
                Column(column.name, types[column.kind], key=f"c{i}")
                for i, column in enumerate(parsed.columns)
            ),
        )
        table.create(connection)
        keys = [f"c{i}" for i in range(len(parsed.columns))]
        for batch in _batches(parsed.rows):
            connection.execute(table.insert(), [dict(zip(keys, row, strict=True)) for row in batch])


def _batches(rows: list[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(rows), INSERT_BATCH_ROWS):
        yield rows[start : start + INSERT_BATCH_ROWS]
