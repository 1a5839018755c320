"""Uploads on embedded defaults: one SQLite file per upload under ``DATA_DIR/uploads``.

Embedded defaults are one process on one disk, so a file is the simplest store that keeps an
upload's data apart from the app's tables; questions open it read-only (``mode=ro``,
``query_only``, the executor's authorizer). The file is written under a temporary name and
renamed when complete; it is removed if the request's transaction rolls back, and a deleted
upload's file is removed once the deletion is committed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Float, create_engine, event
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from backend.connections.pools import PoolCache
from backend.core.config import Settings
from backend.core.dialects import Dialect
from backend.targets.gate import GATE
from backend.targets.introspect import introspect
from backend.targets.schema_info import SchemaInfo
from backend.targets.sqlite_file import read_only_sqlite_engine
from backend.uploads.readers.tables import ParsedTable
from backend.uploads.storage import SQL_TYPES, write_tables

# SQLite has no exact decimal type; numbers are stored as REAL there.
_SQLITE_TYPES = {**SQL_TYPES, "number": Float()}


class SqliteStorage:
    dialect = Dialect.SQLITE
    types = _SQLITE_TYPES

    def __init__(self, settings: Settings) -> None:
        self._folder = settings.data_dir / "uploads"
        self._pools = PoolCache()

    def path(self, upload_id: str) -> Path:
        return self._folder / f"{upload_id}.sqlite"

    def load(self, session: Session, upload_id: str, tables: list[ParsedTable]) -> int:
        self._folder.mkdir(parents=True, exist_ok=True)
        final = self.path(upload_id)
        partial = final.with_suffix(".partial")
        _after(session, "after_rollback", lambda: _remove(final, partial))
        writer = create_engine(f"sqlite:///{partial}", poolclass=NullPool)
        try:
            with writer.begin() as connection:
                rows = [_as_floats(table) for table in tables]
                write_tables(connection, rows, schema=None, types=self.types)
        except BaseException:
            _remove(partial)
            raise
        finally:
            writer.dispose()
        partial.replace(final)
        return final.stat().st_size

    def engine(self, upload_id: str) -> Engine:
        return self._pools.engine(
            upload_id, lambda: read_only_sqlite_engine(self.path(upload_id), pool_size=2)
        )

    def db_schema(self, upload_id: str) -> None:
        return None

    def scan(self, upload_id: str) -> SchemaInfo:
        with GATE.admit(upload_id):
            return introspect(self.engine(upload_id), dialect=self.dialect)

    def drop(self, session: Session, upload_id: str) -> None:
        self._pools.discard(upload_id)
        _after(session, "after_commit", lambda: _remove(self.path(upload_id)))

    def dispose(self) -> None:
        self._pools.dispose_all()


def _as_floats(table: ParsedTable) -> ParsedTable:
    numbers = [i for i, column in enumerate(table.columns) if column.kind == "number"]
    if not numbers:
        return table
    rows = [
        tuple(float(v) if i in numbers and v is not None else v for i, v in enumerate(row))
        for row in table.rows
    ]
    return ParsedTable(table.name, table.columns, rows)


def _after(session: Session, what: str, action: Any) -> None:
    event.listen(session, what, lambda *_: action(), once=True)


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
