"""Opening a connection to a user's MySQL or MariaDB server (PyMySQL).

PyMySQL is pure Python: no client library on the deploy image, and its socket is a plain
Python socket, so the client-side deadline (``targets.deadline``) and the read/write timeouts
hold on every call. Every connection:

- goes to the vetted address, with connect, read and write timeouts;
- reads no option file of this server (``read_default_file`` unset), may not send local files
  (``LOAD DATA LOCAL`` off) and may not send several statements at once (no
  ``MULTI_STATEMENTS``);
- speaks utf8mb4, with a fixed ``sql_mode`` (backslash escapes on, no ``ANSI_QUOTES``,
  ``||`` not concatenation), the one the guard's regenerated SQL is written for;
- starts read-only (``transaction_read_only`` for the session) as a second line behind the
  guard; the executor sets it again, with the time limit, before every query;
- for ``require``, is refused unless TLS is in use (the certificate is not verified, as with
  libpq's ``require``); ``prefer`` uses TLS when the server offers it; ``disable`` never does.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import pymysql

from backend.connections.urls import ConnectionSpec

# Everything the guard assumes about how the server reads SQL text, and nothing more.
SQL_MODE = "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
PROGRAM_NAME = "eaa-assistant"

MysqlConnection = pymysql.connections.Connection


def is_mariadb(conn: Any) -> bool:
    """MariaDB names itself in the handshake ("5.5.5-10.11.6-MariaDB"): no round trip."""
    return "mariadb" in str(conn.get_server_info()).lower()


def session_settings(conn: Any, *, timeout_seconds: float | None, select_limit: int | None) -> str:
    """One ``SET SESSION`` for read-only, the SQL mode and the statement time limit.

    MySQL spells the limit ``max_execution_time`` (ms, SELECT only) and read-only
    ``transaction_read_only``; MariaDB ``max_statement_time`` (seconds) and ``tx_read_only``.
    """
    mariadb = is_mariadb(conn)
    parts = [
        f"{'tx_read_only' if mariadb else 'transaction_read_only'} = 1",
        f"sql_mode = '{SQL_MODE}'",
    ]
    if timeout_seconds is not None:
        if mariadb:
            parts.append(f"max_statement_time = {max(timeout_seconds, 0.001):.3f}")
        else:
            parts.append(f"max_execution_time = {max(1, int(timeout_seconds * 1000))}")
    if select_limit is not None:
        parts.append(f"sql_select_limit = {int(select_limit)}")
    return "SET SESSION " + ", ".join(parts)


def _ssl_options(mode: str) -> dict[str, Any]:
    if mode == "disable":
        return {"ssl_disabled": True}
    if mode == "prefer":
        return {}  # PyMySQL's PREFERRED: TLS when offered, certificate not checked
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return {"ssl": context}  # an explicit context makes PyMySQL refuse a server without TLS


def pymysql_params(
    spec: ConnectionSpec, hostaddr: str, *, connect_seconds: float, io_seconds: float
) -> dict[str, Any]:
    return {
        "host": hostaddr,
        "port": spec.port,
        "user": spec.username,
        "password": spec.password or "",
        "database": spec.database,
        "charset": "utf8mb4",
        "sql_mode": SQL_MODE,
        "connect_timeout": connect_seconds,
        "read_timeout": io_seconds,
        "write_timeout": io_seconds,
        "autocommit": False,
        "local_infile": False,
        "client_flag": 0,
        "read_default_file": None,
        "program_name": PROGRAM_NAME,
        **_ssl_options(spec.ssl_mode),
    }


def mysql_connector(
    spec: ConnectionSpec, hostaddr: str, *, connect_seconds: float, io_seconds: float
) -> Callable[[], MysqlConnection]:
    params = pymysql_params(spec, hostaddr, connect_seconds=connect_seconds, io_seconds=io_seconds)

    def connect() -> MysqlConnection:
        conn = pymysql.connect(**params)
        try:
            with conn.cursor() as cursor:
                cursor.execute(session_settings(conn, timeout_seconds=None, select_limit=None))
        except BaseException:
            conn.close()
            raise
        return conn

    return connect


def socket_fileno(conn: MysqlConnection) -> int:
    """The connection's socket, for the client-side deadline (PyMySQL keeps it as ``_sock``)."""
    sock = getattr(conn, "_sock", None)
    if sock is None:
        raise pymysql.err.InterfaceError(0, "the connection is closed")
    return int(sock.fileno())
