"""PostgreSQL: a READ ONLY transaction that is always rolled back; a server-side cursor
(``DECLARE … CURSOR``), which only admits a single SELECT/VALUES and no data-modifying WITH;
``statement_timeout``; ``search_path`` with ``pg_catalog`` first and ``pg_temp`` last; for the
demo, a role that may only SELECT (see ``demo.target``). A stopped question cancels the
statement on the server (``cancel_safe``: the server ends it at once), not only here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import psycopg
from psycopg import sql as pg_sql

from backend.core import cancellation
from backend.safety.executor.values import Fetch
from backend.targets.target import QueryTarget

IDLE_LIMIT_MS = 300_000
CANCEL_SECONDS = 5.0


@contextmanager
def open_postgres(
    target: QueryTarget, sql: str, timeout_seconds: float
) -> Iterator[tuple[list[str], Fetch]]:
    raw = target.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, psycopg.Connection)
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        settings = [
            pg_sql.SQL("SET TRANSACTION READ ONLY"),
            pg_sql.SQL("SET LOCAL statement_timeout = {}").format(
                pg_sql.Literal(max(1, int(timeout_seconds * 1000)))
            ),
            pg_sql.SQL("SET LOCAL standard_conforming_strings = on"),
            # Plan for the whole result, as a plain query would, not for the cursor's first rows.
            pg_sql.SQL("SET LOCAL cursor_tuple_fraction = 1.0"),
            # A CSV reader that stops reading must not hold the transaction open for ever.
            pg_sql.SQL("SET LOCAL idle_in_transaction_session_timeout = {}").format(
                pg_sql.Literal(IDLE_LIMIT_MS)
            ),
        ]
        # Built-in functions first and temporary tables last, on every target: no table or
        # function of the user's schemas can shadow a built-in the guard allowed by name.
        if target.db_schema:
            settings.append(
                pg_sql.SQL("SET LOCAL search_path = pg_catalog, {}, pg_temp").format(
                    pg_sql.Identifier(target.db_schema)
                )
            )
        else:
            settings.append(
                pg_sql.SQL(
                    "SELECT set_config('search_path', concat_ws(', ', 'pg_catalog', "
                    "nullif(current_setting('search_path'), ''), 'pg_temp'), true)"
                )
            )
        # One round trip: our own fixed statements, before the query, in the same transaction.
        conn.execute(pg_sql.SQL("; ").join(settings))
        stop = partial(conn.cancel_safe, timeout=CANCEL_SECONDS)
        with (
            cancellation.current().on_cancel(stop),
            conn.cursor(name=f"eaa_{uuid.uuid4().hex[:12]}") as cursor,
        ):
            cursor.execute(sql)
            columns = [d.name for d in cursor.description or ()]
            yield columns, cursor.fetchmany
    finally:
        finish_postgres(raw)


def finish_postgres(raw: Any) -> None:
    """Roll back (nothing is ever committed) and return the connection, or drop a broken one."""
    conn = raw.driver_connection
    try:
        if not conn.broken and not conn.closed:
            conn.rollback()
            raw.close()
            return
    except psycopg.Error:
        pass
    raw.invalidate()
