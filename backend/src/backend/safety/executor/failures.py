"""What can go wrong running a query, as messages a person can act on; lost connections are
retried with exponential backoff before the user is told."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import psycopg
import pymysql
from psycopg import errors as pg_errors
from sqlalchemy import exc as sa_exc

from backend.core.errors import AppError, ServiceUnavailable
from backend.safety.errors import SqlRefused
from backend.safety.executor.sqlite import SQLITE_MAX_VALUE_BYTES

RETRIES = 3


BACKOFF_SECONDS = 0.25


_T = TypeVar("_T")


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


# Connection failures (class 08 except a protocol violation), shutdowns, too many clients.
_CONNECTION_SQLSTATES = frozenset(
    {"08000", "08001", "08003", "08004", "08006", "08007", "57P01", "57P02", "57P03", "53300"}
)


# MySQL/MariaDB: the server went away or shut down, the connection was lost or killed, too
# many connections; client errors 2000-2999 (cannot connect, lost, SSL failed...).
_MYSQL_CONNECTION_CODES = frozenset({1040, 1053, 1077, 1080, 1152, 1153, 1158, 1159, 1160, 1161})
_MYSQL_TIMEOUT_CODES = frozenset({1969, 3024})  # MariaDB max_statement_time, MySQL's
_MYSQL_READ_ONLY_CODES = frozenset({1792, 1290, 1836})  # read-only transaction, --read-only
_MYSQL_DENIED_CODES = frozenset({1044, 1045, 1095, 1142, 1143, 1211, 1227, 1370})


def mysql_code(error: BaseException) -> int | None:
    if isinstance(error, pymysql.err.MySQLError) and error.args and isinstance(error.args[0], int):
        return error.args[0]
    return None


def is_connection_loss(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    original = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    if isinstance(original, psycopg.OperationalError):
        state = original.sqlstate
        return state is None or state in _CONNECTION_SQLSTATES
    if isinstance(original, pymysql.err.OperationalError | pymysql.err.InterfaceError):
        code = mysql_code(original)
        return code is None or 2000 <= code < 3000 or code in _MYSQL_CONNECTION_CODES
    return False


def with_retries(action: Callable[[], _T]) -> _T:
    for attempt in range(RETRIES + 1):
        try:
            return action()
        except (
            psycopg.OperationalError,
            pymysql.err.OperationalError,
            pymysql.err.InterfaceError,
            sa_exc.OperationalError,
        ) as error:
            if not is_connection_loss(error):
                raise
            if attempt == RETRIES:
                raise unreachable() from None
            time.sleep(BACKOFF_SECONDS * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def translate_errors(timeout_seconds: float) -> Iterator[None]:
    """Turn driver errors into messages a person can act on; connection losses pass through."""
    try:
        yield
    except pg_errors.QueryCanceled:
        raise timeout_error(timeout_seconds) from None
    except pg_errors.ReadOnlySqlTransaction:
        raise SqlRefused("This query tries to change data; only reading is allowed.") from None
    except pg_errors.InsufficientPrivilege:
        raise SqlRefused("The read-only account is not allowed to do that.") from None
    except psycopg.OperationalError as error:
        if is_connection_loss(error):
            raise  # retried by the caller
        raise QueryFailed(first_line(error)) from None
    except psycopg.Error as error:
        raise QueryFailed(first_line(error)) from None
    except pymysql.err.Error as error:
        raise mysql_failure(error, timeout_seconds) from None
    except sqlite3.OperationalError as error:
        message = str(error)
        if "interrupted" in message:
            raise timeout_error(timeout_seconds) from None
        if "readonly" in message.replace(" ", "") or "query_only" in message:
            raise SqlRefused("This query tries to change data; only reading is allowed.") from None
        raise sqlite_failure(error) from None
    except sqlite3.DataError as error:
        if "too big" not in str(error):
            raise QueryFailed(first_line(error)) from None
        raise QueryFailed(
            "The query builds a value larger than "
            f"{SQLITE_MAX_VALUE_BYTES // (1024 * 1024)} MB; please narrow it down."
        ) from None
    except (sqlite3.Error, sqlite3.Warning) as error:
        raise sqlite_failure(error) from None


def mysql_failure(error: pymysql.err.Error, timeout_seconds: float) -> BaseException:
    """What a MySQL/MariaDB error means to a person; a lost connection is re-raised (retried)."""
    code = mysql_code(error)
    if code in _MYSQL_TIMEOUT_CODES:
        return timeout_error(timeout_seconds)
    if code in _MYSQL_READ_ONLY_CODES:
        return SqlRefused("This query tries to change data; only reading is allowed.")
    if code in _MYSQL_DENIED_CODES:
        return SqlRefused("The read-only account is not allowed to do that.")
    if is_connection_loss(error):
        return error
    message = str(error.args[1]) if len(error.args) > 1 else str(error)
    return QueryFailed(first_line(Exception(message)))


_SQLITE_DENIALS = ("not authorized", "authorization denied", "prohibited")


def sqlite_failure(error: Exception) -> AppError:
    """A refusal when the authorizer stopped the query, else the database's own message."""
    if any(denial in str(error) for denial in _SQLITE_DENIALS):
        return SqlRefused(
            "This query uses something the read-only connection does not allow "
            f"({first_line(error).split(': ', 1)[-1]}); only reading tables with built-in "
            "functions is allowed."
        )
    return QueryFailed(first_line(error))


def unreachable() -> DatabaseUnreachable:
    return DatabaseUnreachable(
        f"The database could not be reached after {RETRIES + 1} attempts; "
        "please check that it is running and try again."
    )


def timeout_error(seconds: float) -> QueryTimeout:
    return QueryTimeout(
        f"The query took longer than {seconds:g} s and was stopped. "
        "Try narrowing it down (a filter, fewer groups or a LIMIT)."
    )


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"The database rejected the query: {text[0][:300] if text else type(error).__name__}"
