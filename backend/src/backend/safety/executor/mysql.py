"""MySQL and MariaDB: a READ ONLY transaction that is always rolled back, after a session made
read-only too (so a statement that commits implicitly still cannot write); the statement time
limit (``max_execution_time`` on MySQL, ``max_statement_time`` on MariaDB); ``sql_select_limit``
just above the row cap; one statement per call (the connection never enables multi-statements);
an unbuffered cursor (``SSCursor``), so rows are read from the socket as the caps take them.

A result left unread is never drained (that would read all of it): when the row cap was
reached, one more row is asked for, which is usually the end (``sql_select_limit`` matches the
cap unless the query has a larger LIMIT); if rows remain, or a byte cap stopped the reading,
the connection is closed instead, and the server stops the query when it next writes to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pymysql
from pymysql.cursors import SSCursor

from backend.connections.mysql_connect import MysqlConnection, session_settings
from backend.safety.executor.values import Fetch
from backend.targets.target import QueryTarget


@contextmanager
def open_mysql(
    target: QueryTarget, sql: str, timeout_seconds: float, row_cap: int
) -> Iterator[tuple[list[str], Fetch]]:
    raw = target.engine.raw_connection()
    cursor: SSCursor | None = None
    fetched = [0]
    try:
        conn = raw.driver_connection
        assert isinstance(conn, MysqlConnection)
        conn.rollback()  # nothing is left of a previous use
        with conn.cursor() as setup:
            setup.execute(
                session_settings(conn, timeout_seconds=timeout_seconds, select_limit=row_cap + 1)
            )
            setup.execute("START TRANSACTION READ ONLY")
        cursor = conn.cursor(SSCursor)
        cursor.execute(sql)
        columns = [str(d[0]) for d in cursor.description or ()]

        def fetch(size: int) -> list[Any]:
            batch = list(cursor.fetchmany(size)) if cursor is not None else []
            fetched[0] += len(batch)
            return batch

        yield columns, fetch
    finally:
        finish_mysql(raw, cursor, probe_end=fetched[0] > row_cap)


def _unread(cursor: SSCursor | None, *, probe_end: bool) -> bool:
    result = getattr(cursor, "_result", None)
    if cursor is None or result is None or not getattr(result, "unbuffered_active", False):
        return False
    if probe_end:
        try:
            if cursor.fetchone() is None:
                return False
        except pymysql.err.Error:
            pass
    result.unbuffered_active = False  # the socket is closed instead: nothing is drained
    return True


def finish_mysql(raw: Any, cursor: SSCursor | None, *, probe_end: bool) -> None:
    """Roll back and return the connection; drop it when rows are still unread, or it broke."""
    conn = raw.driver_connection
    unread = _unread(cursor, probe_end=probe_end)
    try:
        if not unread and conn.open:
            if cursor is not None:
                cursor.close()
            conn.rollback()
            raw.close()
            return
    except pymysql.err.Error:
        pass
    raw.invalidate()
