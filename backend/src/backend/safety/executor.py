"""Run one checked query read-only, within time, row and byte caps; values come back JSON-safe.

Layers below the SQL guard, each able to stop a write on its own:
- PostgreSQL: a READ ONLY transaction that is always rolled back; a server-side cursor
  (``DECLARE … CURSOR``), which only admits a single SELECT/VALUES and no data-modifying WITH;
  ``statement_timeout``; ``search_path`` pinned to the target's schema; for the demo, the
  engine's connections run as a role that may only SELECT (see ``demo_target``).
- SQLite: the connection is switched to ``query_only`` and a progress handler enforces the time
  limit; ``sqlite3`` itself refuses to run more than one statement per call.
Lost connections are retried with exponential backoff before the user is told.

Resources: every run passes the work gate (``db_gate``: a bounded number at once, per process
and per database, the rest refused with 503). Rows are fetched in small, growing batches and
capped in bytes as they arrive (each text value, and the whole result), so a query built to
return gigabytes stops at the cap and says ``truncated``. A CSV export reads its rows to the
caps into a spooled file before the first byte is sent, so a slow or stalled downloader never
holds a database connection. A connection cut by its client-side deadline (``db_deadline``)
answers as a timeout.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql as pg_sql
from sqlalchemy import exc as sa_exc

from backend.core.dialects import Dialect
from backend.core.errors import AppError, ServiceUnavailable
from backend.safety.errors import SqlRefused
from backend.targets.deadline import expired_here
from backend.targets.gate import GATE
from backend.targets.target import QueryTarget

JsonScalar = str | int | float | bool | None
RETRIES = 3
BACKOFF_SECONDS = 0.25
FIRST_BATCH = 16
MAX_BATCH = 1000
SPOOL_MEMORY_BYTES = 1_000_000
IDLE_LIMIT_MS = 300_000
SQLITE_MAX_VALUE_BYTES = 16 * 1024 * 1024
_T = TypeVar("_T")
Fetch = Callable[[int], Sequence[Sequence[Any]]]  # fetchmany: up to n more rows


class DatabaseUnreachable(ServiceUnavailable):
    code = "database_unreachable"


class QueryTimeout(AppError):
    """422, not 408: clients and proxies may silently resend a 408, running the query again."""

    status_code = 422
    code = "query_timeout"


class QueryFailed(AppError):
    """The database rejected the query (unknown column, type error...); the detail says why.

    The ask pipeline feeds this message back to the model for a repair attempt.
    """

    status_code = 422
    code = "query_failed"


@dataclass(frozen=True)
class ByteCaps:
    """Most UTF-8 bytes one text value, and all values of one result, may take."""

    cell: int = 10_000
    total: int = 5_000_000


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
    caps: ByteCaps = ByteCaps(),
) -> ResultSet:
    """Run ``sql`` (already passed through the guard) and return rows within the caps."""
    started = time.perf_counter()

    def attempt() -> tuple[list[str], list[list[JsonScalar]], bool]:
        with _open_cursor(target, sql, timeout_seconds) as (columns, fetch):
            reader = _CappedReader(fetch, row_cap, caps)
            rows = list(reader.rows())
        return columns, rows, reader.truncated

    columns, rows, truncated = _with_retries(attempt)
    elapsed = (time.perf_counter() - started) * 1000
    return ResultSet(columns, rows, len(rows), truncated, round(elapsed, 2))


def stream_readonly(
    target: QueryTarget,
    sql: str,
    *,
    row_cap: int,
    timeout_seconds: float,
    caps: ByteCaps = ByteCaps(total=50_000_000),
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
        with _open_cursor(target, sql, timeout_seconds) as (columns, fetch):
            for row in _CappedReader(fetch, row_cap, caps).rows():
                spool.write(json.dumps(row, ensure_ascii=False) + "\n")
        return columns

    try:
        columns = _with_retries(attempt)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)

    def replay() -> Iterator[list[JsonScalar]]:
        with spool:
            yield list(columns)
            for line in spool:
                yield json.loads(line)

    return replay()


class _CappedReader:
    """Rows in growing batches (one huge row cannot come with a thousand more), within caps."""

    def __init__(self, fetch: Fetch, row_cap: int, caps: ByteCaps) -> None:
        self._fetch = fetch
        self._row_cap = row_cap
        self._caps = caps
        self.truncated = False

    def rows(self) -> Iterator[list[JsonScalar]]:
        taken = used = 0
        size = FIRST_BATCH
        while True:
            batch = self._fetch(min(size, self._row_cap + 1 - taken))
            if not batch:
                return
            for raw in batch:
                row, row_bytes, cut = _capped_row(raw, self._caps.cell)
                if taken == self._row_cap or used + row_bytes > self._caps.total:
                    self.truncated = True
                    return
                self.truncated = self.truncated or cut
                taken += 1
                used += row_bytes
                yield row
            size = min(size * 2, MAX_BATCH)


def _capped_row(raw: Sequence[Any], cell_cap: int) -> tuple[list[JsonScalar], int, bool]:
    """The JSON-safe row, its size in bytes (text in UTF-8, 8 per other value), and if cut."""
    row = json_row(raw)
    size, cut = 0, False
    for index, value in enumerate(row):
        if not isinstance(value, str):
            size += 8
            continue
        encoded = value[:cell_cap].encode()
        if len(encoded) > cell_cap or len(value) > cell_cap:
            row[index] = encoded[:cell_cap].decode(errors="ignore") + "…"
            encoded, cut = encoded[:cell_cap], True
        size += len(encoded)
    return row, size, cut


@contextmanager
def _open_cursor(
    target: QueryTarget, sql: str, timeout_seconds: float
) -> Iterator[tuple[list[str], Fetch]]:
    opener = _open_sqlite if target.dialect is Dialect.SQLITE else _open_postgres
    with (
        GATE.admit(target.key),
        _translate_errors(timeout_seconds),
        _client_deadline(),
        opener(target, sql, timeout_seconds) as opened,
    ):
        yield opened


@contextmanager
def _client_deadline() -> Iterator[None]:
    """A connection cut by its deadline answers as a timeout, not as a lost (retried) one."""
    try:
        yield
    except (psycopg.Error, sa_exc.DBAPIError):
        if expired_here():
            raise QueryTimeout(
                "The database stopped answering and the query was abandoned; please check "
                "that it is running, or narrow the question down."
            ) from None
        raise


@contextmanager
def _open_postgres(
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
        with conn.cursor(name=f"eaa_{uuid.uuid4().hex[:12]}") as cursor:
            cursor.execute(sql)
            columns = [d.name for d in cursor.description or ()]
            yield columns, cursor.fetchmany
    finally:
        _finish_postgres(raw)


def _finish_postgres(raw: Any) -> None:
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


@contextmanager
def _open_sqlite(
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
        conn.set_authorizer(_sqlite_authorizer)
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


def _sqlite_authorizer(
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


# Connection failures (class 08 except a protocol violation), shutdowns, too many clients.
_CONNECTION_SQLSTATES = frozenset(
    {"08000", "08001", "08003", "08004", "08006", "08007", "57P01", "57P02", "57P03", "53300"}
)


def _is_connection_loss(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    original = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    if isinstance(original, psycopg.OperationalError):
        state = original.sqlstate
        return state is None or state in _CONNECTION_SQLSTATES
    return False


def _with_retries(action: Callable[[], _T]) -> _T:
    for attempt in range(RETRIES + 1):
        try:
            return action()
        except (psycopg.OperationalError, sa_exc.OperationalError) as error:
            if not _is_connection_loss(error):
                raise
            if attempt == RETRIES:
                raise _unreachable() from None
            time.sleep(BACKOFF_SECONDS * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def _translate_errors(timeout_seconds: float) -> Iterator[None]:
    """Turn driver errors into messages a person can act on; connection losses pass through."""
    try:
        yield
    except pg_errors.QueryCanceled:
        raise _timeout(timeout_seconds) from None
    except pg_errors.ReadOnlySqlTransaction:
        raise SqlRefused("This query tries to change data; only reading is allowed.") from None
    except pg_errors.InsufficientPrivilege:
        raise SqlRefused("The read-only account is not allowed to do that.") from None
    except psycopg.OperationalError as error:
        if _is_connection_loss(error):
            raise  # retried by the caller
        raise QueryFailed(_first_line(error)) from None
    except psycopg.Error as error:
        raise QueryFailed(_first_line(error)) from None
    except sqlite3.OperationalError as error:
        message = str(error)
        if "interrupted" in message:
            raise _timeout(timeout_seconds) from None
        if "readonly" in message.replace(" ", "") or "query_only" in message:
            raise SqlRefused("This query tries to change data; only reading is allowed.") from None
        raise _sqlite_failure(error) from None
    except sqlite3.DataError as error:
        if "too big" not in str(error):
            raise QueryFailed(_first_line(error)) from None
        raise QueryFailed(
            "The query builds a value larger than "
            f"{SQLITE_MAX_VALUE_BYTES // (1024 * 1024)} MB; please narrow it down."
        ) from None
    except (sqlite3.Error, sqlite3.Warning) as error:
        raise _sqlite_failure(error) from None


_SQLITE_DENIALS = ("not authorized", "authorization denied", "prohibited")


def _sqlite_failure(error: Exception) -> AppError:
    """A refusal when the authorizer stopped the query, else the database's own message."""
    if any(denial in str(error) for denial in _SQLITE_DENIALS):
        return SqlRefused(
            "This query uses something the read-only connection does not allow "
            f"({_first_line(error).split(': ', 1)[-1]}); only reading tables with built-in "
            "functions is allowed."
        )
    return QueryFailed(_first_line(error))


def _unreachable() -> DatabaseUnreachable:
    return DatabaseUnreachable(
        f"The database could not be reached after {RETRIES + 1} attempts; "
        "please check that it is running and try again."
    )


def _timeout(seconds: float) -> QueryTimeout:
    return QueryTimeout(
        f"The query took longer than {seconds:g} s and was stopped. "
        "Try narrowing it down (a filter, fewer groups or a LIMIT)."
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"The database rejected the query: {text[0][:300] if text else type(error).__name__}"


def json_value(value: Any) -> JsonScalar:
    """One database value as something ``json.dumps`` accepts and a person reads the same way."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, memoryview | bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, list | tuple | dict):  # arrays and json(b): shown as JSON text
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def json_row(row: Sequence[Any]) -> list[JsonScalar]:
    return [json_value(value) for value in row]
