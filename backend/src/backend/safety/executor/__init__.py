"""Run one checked query read-only, within time, row and byte caps; values come back JSON-safe.

Layers below the SQL guard, each able to stop a write on its own, one module per database
(``postgres``, ``mysql``, ``sqlite``); ``values`` turns and caps what comes back, ``failures``
says what went wrong in words a person can act on and retries lost connections.

Resources: every run passes the work gate (``targets.gate``: a bounded number at once, per
process and per database, the rest refused with 503). Rows are fetched in small, growing
batches and capped in bytes as they arrive (each text value, and the whole result), so a query
built to return gigabytes stops at the cap and says ``truncated``. A CSV export reads its rows
to the caps into a spooled file before the first byte is sent, so a slow or stalled downloader
never holds a database connection. A connection cut by its client-side deadline
(``targets.deadline``) answers as a timeout; a statement cancelled because the asker stopped the
question (``core.cancellation``) answers ``Cancelled`` and is never retried.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import psycopg
import pymysql
from sqlalchemy import exc as sa_exc

from backend.core.cancellation import stopped_means_cancelled
from backend.core.dialects import Dialect
from backend.safety.executor.failures import (
    BACKOFF_SECONDS,
    RETRIES,
    DatabaseUnreachable,
    QueryFailed,
    QueryTimeout,
    translate_errors,
    with_retries,
)
from backend.safety.executor.mysql import open_mysql
from backend.safety.executor.postgres import open_postgres
from backend.safety.executor.sqlite import SQLITE_FUNCTIONS, open_sqlite
from backend.safety.executor.values import (
    EXPORT_CAPS,
    QUESTION_CAPS,
    ByteCaps,
    CappedReader,
    Fetch,
    JsonScalar,
    json_row,
    json_value,
)
from backend.targets.deadline import expired_here
from backend.targets.gate import GATE
from backend.targets.target import QueryTarget

__all__ = [
    "BACKOFF_SECONDS",
    "RETRIES",
    "SQLITE_FUNCTIONS",
    "ByteCaps",
    "DatabaseUnreachable",
    "JsonScalar",
    "QueryFailed",
    "QueryTimeout",
    "ResultSet",
    "json_row",
    "json_value",
    "run_readonly",
    "stream_readonly",
]


SPOOL_MEMORY_BYTES = 1_000_000
SPOOL_BATCH_ROWS = 500


@dataclass(frozen=True)
class ResultSet:
    columns: list[str]
    rows: list[list[JsonScalar]]
    row_count: int
    truncated: bool
    elapsed_ms: float


def run_readonly(
    target: QueryTarget,
    sql: str,
    *,
    row_cap: int,
    timeout_seconds: float,
    caps: ByteCaps = QUESTION_CAPS,
) -> ResultSet:
    """Run ``sql`` (already passed through the guard) and return rows within the caps."""
    started = time.perf_counter()

    def attempt() -> tuple[list[str], list[list[JsonScalar]], bool]:
        with _open_cursor(target, sql, timeout_seconds, row_cap, caps) as (columns, fetch):
            reader = CappedReader(fetch, row_cap, caps)
            rows = list(reader.rows())
        return columns, rows, reader.truncated

    columns, rows, truncated = with_retries(attempt)
    elapsed = (time.perf_counter() - started) * 1000
    return ResultSet(columns, rows, len(rows), truncated, round(elapsed, 2))


def stream_readonly(
    target: QueryTarget,
    sql: str,
    *,
    row_cap: int,
    timeout_seconds: float,
    caps: ByteCaps = EXPORT_CAPS,
) -> Iterator[list[JsonScalar]]:
    """The column names first, then up to ``row_cap`` JSON-safe rows within the caps.

    For CSV export. The rows are read now, into a file that spills to disk beyond 1 MB, and
    the connection is returned before this returns: memory stays flat however large the
    result, and the reader's pace never holds a connection. Errors are raised here, before
    anything is sent, so a lost connection is retried like any other query.
    """
    spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 -- closed by the returned iterator
        max_size=SPOOL_MEMORY_BYTES, mode="w+", encoding="utf-8"
    )

    def attempt() -> list[str]:
        spool.seek(0)
        spool.truncate()
        with _open_cursor(target, sql, timeout_seconds, row_cap, caps) as (columns, fetch):
            batch: list[list[JsonScalar]] = []
            for row in CappedReader(fetch, row_cap, caps).rows():
                batch.append(row)
                if len(batch) == SPOOL_BATCH_ROWS:
                    _spool_batch(spool, batch)
            _spool_batch(spool, batch)
        return columns

    try:
        columns = with_retries(attempt)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)

    def replay() -> Iterator[list[JsonScalar]]:
        with spool:
            yield list(columns)
            for line in spool:
                yield from json.loads(line)

    return replay()


def _spool_batch(spool: IO[str], batch: list[list[JsonScalar]]) -> None:
    """One JSON line per batch of rows (a line per row spent more time in ``json`` than the
    export in the database), then an empty batch to fill."""
    if batch:
        spool.write(json.dumps(batch, ensure_ascii=False) + "\n")
        batch.clear()


@contextmanager
def _opened(
    target: QueryTarget, sql: str, timeout_seconds: float, row_cap: int, caps: ByteCaps
) -> Iterator[tuple[list[str], Fetch]]:
    if target.dialect is Dialect.SQLITE:
        opener = open_sqlite(target, sql, timeout_seconds)
    elif target.dialect is Dialect.MYSQL:
        opener = open_mysql(target, sql, timeout_seconds, row_cap)
    else:
        opener = open_postgres(target, sql, timeout_seconds, caps.cell)
    with opener as opened:
        yield opened


@contextmanager
def _open_cursor(
    target: QueryTarget, sql: str, timeout_seconds: float, row_cap: int, caps: ByteCaps
) -> Iterator[tuple[list[str], Fetch]]:
    with (
        stopped_means_cancelled(),
        GATE.admit(target.key),
        translate_errors(timeout_seconds),
        _client_deadline(),
        _opened(target, sql, timeout_seconds, row_cap, caps) as opened,
    ):
        yield opened


@contextmanager
def _client_deadline() -> Iterator[None]:
    """A connection cut by its deadline answers as a timeout, not as a lost (retried) one."""
    try:
        yield
    except (psycopg.Error, pymysql.err.Error, sa_exc.DBAPIError):
        if expired_here():
            raise QueryTimeout(
                "The database stopped answering and the query was abandoned; please check "
                "that it is running, or narrow the question down."
            ) from None
        raise
