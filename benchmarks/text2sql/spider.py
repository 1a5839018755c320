"""A Spider-format dataset: its questions, and each database as a read-only query target.

The target is built the way the product builds the embedded demo's (``demo_target``): the file
opened ``mode=ro`` with ``query_only`` on, then introspected by ``services.introspect``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.core.dialects import Dialect
from backend.targets.introspect import introspect
from backend.targets.target import QueryTarget
from sqlalchemy import create_engine
from sqlalchemy.pool import QueuePool


@dataclass(frozen=True)
class Question:
    index: int
    db_id: str
    question: str
    gold: str
    parsed: dict[str, Any]


def questions(dataset: Path) -> list[Question]:
    """The questions of ``dataset/dev.json`` in file order."""
    data = json.loads((dataset / "dev.json").read_text())
    return [
        Question(i, entry["db_id"], entry["question"], entry["query"], entry["sql"])
        for i, entry in enumerate(data)
    ]


def database_path(dataset: Path, db_id: str) -> Path:
    return dataset / "database" / db_id / f"{db_id}.sqlite"


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    conn.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
    return conn


@contextmanager
def read_only_target(dataset: Path, db_id: str) -> Iterator[QueryTarget]:
    """The database ``db_id`` as the product would see it, every table enabled."""
    path = database_path(dataset, db_id)
    engine = create_engine(
        "sqlite://", creator=lambda: _connect(path), poolclass=QueuePool, pool_size=2
    )
    try:
        info = introspect(engine, dialect=Dialect.SQLITE)
        yield QueryTarget(db_id, engine, Dialect.SQLITE, None, info, None)
    finally:
        engine.dispose()


def gold_rows(dataset: Path, db_id: str, sql: str) -> list[tuple[Any, ...]]:
    """The gold query's rows, straight from the read-only file (the reference, not the product)."""
    conn = _connect(database_path(dataset, db_id))
    try:
        return [tuple(row) for row in conn.execute(sql).fetchall()]
    finally:
        conn.close()
