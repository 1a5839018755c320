"""SSL modes on MySQL/MariaDB connections, against real servers with and without TLS.

Contract: ``require`` connects only over TLS (the certificate is not checked, as libpq's
``require``) and refuses a server without it; ``prefer`` uses TLS when the server offers it and
plain TCP otherwise; ``disable`` never uses TLS.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from backend.core.errors import AppError
from backend.safety.executor import run_readonly
from sqlalchemy.exc import OperationalError

from devkit import mariadb


@pytest.fixture(scope="module")
def tls_server() -> Iterator[mariadb.MariaDbServer]:
    with mariadb.throwaway_server(tls=True) as server:
        yield server


def cipher(server: mariadb.MariaDbServer, ssl_mode: str) -> str:
    """The TLS cipher of a session opened as the app opens one ('' for plain TCP)."""
    mariadb.create_database(server, "tls_check")  # empty: nothing to scan
    target = mariadb.query_target(server.url("tls_check"), key=f"tls-{ssl_mode}", ssl_mode=ssl_mode)
    try:
        status = "SHOW SESSION STATUS LIKE 'Ssl_cipher'"
        rows = run_readonly(target, status, row_cap=1, timeout_seconds=5).rows
    finally:
        target.engine.dispose()
    return str(rows[0][1]) if rows else ""


@pytest.mark.parametrize(("ssl_mode", "encrypted"), [("require", True), ("prefer", True),
                                                     ("disable", False)])  # fmt: skip
def test_modes_on_a_server_with_tls(
    tls_server: mariadb.MariaDbServer, ssl_mode: str, encrypted: bool
) -> None:
    assert bool(cipher(tls_server, ssl_mode)) is encrypted


def test_prefer_falls_back_and_require_refuses_a_server_without_tls(
    mysql_server: mariadb.MariaDbServer,
) -> None:
    assert cipher(mysql_server, "prefer") == ""
    with pytest.raises((OperationalError, AppError), match="SSL"):
        cipher(mysql_server, "require")
