"""SQLite: ``query_only``, an authorizer that allows reading tables and calling listed
functions only, and a progress handler for the time limit; ``sqlite3`` itself refuses more than
one statement per call. A stopped question interrupts the running statement."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from backend.core import cancellation
from backend.safety.executor.values import Fetch
from backend.targets.target import QueryTarget

SQLITE_MAX_VALUE_BYTES = 16 * 1024 * 1024


@contextmanager
def open_sqlite(
    target: QueryTarget, sql: str, timeout_seconds: float
) -> Iterator[tuple[list[str], Fetch]]:
    raw = target.engine.raw_connection()
    conn = raw.driver_connection
    assert isinstance(conn, sqlite3.Connection)
    # Like PostgreSQL's statement_timeout, the limit applies to the query and then to each fetch,
    # so a slow CSV reader is not cut off while the database itself is quick.
    deadline = [time.monotonic() + timeout_seconds]
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline[0]), 1000)
    # The embedded database runs inside this process: no single value may outgrow a few MB.
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_VALUE_BYTES)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.set_authorizer(sqlite_authorizer)
        with cancellation.current().on_cancel(conn.interrupt):
            cursor = conn.execute(sql)
            columns = [d[0] for d in cursor.description or ()]

            def fetch(size: int) -> list[Any]:
                deadline[0] = time.monotonic() + timeout_seconds
                return cursor.fetchmany(size)

            yield columns, fetch
            cursor.close()
    finally:
        conn.set_authorizer(None)
        conn.set_progress_handler(None, 0)
        if conn.in_transaction:
            conn.rollback()
        raw.close()


# SQLite's own allowlist, checked as each statement is prepared: read tables, call these
# functions, nothing else (no ATTACH, PRAGMA, writes, schema or transaction changes).
_SQLITE_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)


SQLITE_FUNCTIONS = frozenset(
    {
        "abs", "avg", "count", "max", "min", "sum", "total", "group_concat", "string_agg",
        "coalesce", "ifnull", "iif", "if", "nullif", "instr", "length", "octet_length", "lower",
        "upper", "ltrim", "rtrim", "trim", "replace", "substr", "substring", "round", "sign",
        "printf", "format", "char", "unicode", "hex", "quote", "typeof", "likelihood", "likely",
        "unlikely", "like", "glob", "concat", "concat_ws", "date", "time", "datetime",
        "julianday", "unixepoch", "strftime", "timediff", "random", "row_number", "rank",
        "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
        "last_value", "nth_value", "acos", "asin", "atan", "atan2", "ceil", "ceiling", "cos",
        "degrees", "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power",
        "radians", "sin", "sqrt", "tan", "trunc", "json", "json_extract", "json_array",
        "json_object", "json_type", "json_valid", "json_array_length", "->", "->>",
    }
)  # fmt: skip


def sqlite_authorizer(
    action: int, first: str | None, second: str | None, database: str | None, _: str | None
) -> int:
    if action not in _SQLITE_ACTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and (first or "").lower().startswith(("sqlite_", "pragma_")):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (second or "").lower() not in SQLITE_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if database not in (None, "main"):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK
