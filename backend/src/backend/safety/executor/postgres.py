"""PostgreSQL: a READ ONLY transaction that is always rolled back; a server-side cursor
(``DECLARE … CURSOR``), which only admits a single SELECT/VALUES and no data-modifying WITH;
``statement_timeout``; ``search_path`` with ``pg_catalog`` first and ``pg_temp`` last; for the
demo, a role that may only SELECT (see ``demo.target``). A stopped question cancels the
statement on the server (``cancel_safe``: the server ends it at once), not only here.

Values of unbounded width (text, json, arrays, bytea…) are cut to the cell cap by the server:
libpq receives a whole row at once, so a cap applied after fetching would still take a
gigabyte ``string_agg`` into this process first."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import psycopg
from psycopg import Column
from psycopg import sql as pg_sql

from backend.core import cancellation
from backend.safety.executor.values import Fetch
from backend.targets.target import QueryTarget

IDLE_LIMIT_MS = 300_000
CANCEL_SECONDS = 5.0


# Types whose values are a few bytes whatever the data: bool, int2/4/8, oid, float4/8, money,
# numeric (bounded by its own limits), date, time(tz), timestamp(tz), interval, uuid.
_BOUNDED_TYPES = frozenset(
    {16, 20, 21, 23, 26, 700, 701, 790, 1700, 1082, 1083, 1114, 1184, 1186, 1266, 2950}
)
_TEXT_TYPES = frozenset({19, 25, 1042, 1043})  # name, text, char(n), varchar
_BYTEA, _JSON_TYPES = 17, frozenset({114, 3802})
_ARRAY_TYPES = frozenset(info.array_oid for info in psycopg.postgres.types if info.array_oid)


def capped_query(sql: str, columns: Sequence[Column], cell_chars: int) -> pg_sql.Composed:
    """``sql`` with every value of unbounded width cut to ``cell_chars`` + 1 characters (one
    more than the cap, so the reader still sees that it was cut), columns renamed back.

    Wide values arrive as the text ``values.json_value`` would have made of them: arrays and
    json as JSON text, bytea as base64, anything else in its text form.
    """
    width = pg_sql.Literal(cell_chars + 1)
    inner = [pg_sql.Identifier(f"c{index}") for index in range(len(columns))]
    outer = []
    for column, name in zip(columns, inner, strict=True):
        oid = column.type_code
        if oid in _BOUNDED_TYPES:
            value: pg_sql.Composable = name
        elif oid in _TEXT_TYPES:
            value = pg_sql.SQL("left({}, {})").format(name, width)
        elif oid == _BYTEA:
            value = pg_sql.SQL(
                "translate(encode(substring({} FROM 1 FOR {}), 'base64'), E'\\n', '')"
            ).format(name, width)
        elif oid in _JSON_TYPES or oid in _ARRAY_TYPES:
            value = pg_sql.SQL("left(to_jsonb({})::text, {})").format(name, width)
        else:
            value = pg_sql.SQL("left({}::text, {})").format(name, width)
        outer.append(pg_sql.SQL("{} AS {}").format(value, pg_sql.Identifier(column.name)))
    return pg_sql.SQL("SELECT {} FROM (\n{}\n) AS q ({})").format(
        pg_sql.SQL(", ").join(outer), pg_sql.SQL(sql), pg_sql.SQL(", ").join(inner)
    )


@contextmanager
def open_postgres(
    target: QueryTarget, sql: str, timeout_seconds: float, cell_chars: int
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
        # The result's columns without running the query (LIMIT 0 stops before the first row),
        # after our own fixed statements: one round trip, in the same transaction.
        # The query on lines of its own: a trailing "-- comment" must not swallow the ")".
        probe = pg_sql.SQL("SELECT * FROM (\n{}\n) AS q LIMIT 0").format(pg_sql.SQL(sql))
        stop = partial(conn.cancel_safe, timeout=CANCEL_SECONDS)
        with cancellation.current().on_cancel(stop):
            answers = conn.execute(pg_sql.SQL("; ").join([*settings, probe]))
            while answers.nextset():
                pass
            described = answers.description
            query: pg_sql.Composed | str = sql
            if described and any(c.type_code not in _BOUNDED_TYPES for c in described):
                query = capped_query(sql, described, cell_chars)
            with conn.cursor(name=f"eaa_{uuid.uuid4().hex[:12]}") as cursor:
                cursor.execute(query)
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
