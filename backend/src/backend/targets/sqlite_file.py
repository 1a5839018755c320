"""A SQLite file opened for reading only (the embedded demo, embedded uploads)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import QueuePool


def read_only_sqlite_engine(path: Path, *, pool_size: int = 4) -> Engine:
    """``mode=ro`` (the file cannot be written through it) and ``query_only`` on each
    connection, behind the executor's own authorizer."""
    uri = f"file:{path.resolve()}?mode=ro"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        return conn

    return create_engine("sqlite://", creator=connect, poolclass=QueuePool, pool_size=pool_size)
