"""No statement that writes, locks, sleeps or reads files executes on a real MariaDB server.

Contract: the guard (``check_sql``, dialect mysql) and the executor (``run_readonly``) together
never change a user's MySQL/MariaDB database, as a privileged login and as a normal one. The
canary table's checksum and rows, the database's tables, the server's users and databases,
named locks and the server's file directory must be identical after every attempt: through the
guard, and with the guard skipped (then the read-only session and transaction, the time limit
and the login's own privileges stop it).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from backend.connections.mysql_connect import SQL_MODE
from backend.core.errors import AppError
from backend.safety.executor import QueryTimeout, run_readonly, stream_readonly
from backend.safety.executor.values import ByteCaps
from backend.safety.guard import SqlRefused, check_sql
from backend.targets.target import QueryTarget

from devkit import mariadb
from tests.safety.conftest import CANARY_ROWS
from tests.safety.corpus import MYSQL_ATTACKS

TIMEOUT = 1.0
HOLD_SECONDS = 4.0  # the client-side deadline of each checkout, short for the tests
TABLES = frozenset({"loans", "borrowers", "canary"})
LOCK_NAME = "eaa"
# Taking a named lock is not a write, and lifting the time limit with SET STATEMENT runs a
# statement the guard refuses; only the guard stops these (shown above), so the raw run leaves
# them to their own tests below instead of holding a lock or a sleep on the pooled session.
GUARD_ONLY = {"get_lock", "set statement for"}
RAW_ATTACKS = {k: v for k, v in MYSQL_ATTACKS.items() if k not in GUARD_ONLY}
# For a login that may do anything, the read-only session and transaction must stop these.
WRITES = [
    "DELETE FROM canary",
    "UPDATE canary SET amount = 0",
    "INSERT INTO canary VALUES (9, 'x', 9)",
    "REPLACE INTO canary VALUES (1, 'x', 0)",
    "INSERT INTO canary VALUES (1, 'x', 0) ON DUPLICATE KEY UPDATE amount = 0",
    "DELETE c FROM canary c JOIN loans l ON l.loan_id = c.id",
    "TRUNCATE canary",
    "DROP TABLE canary",
    "RENAME TABLE canary TO stolen",
    "ALTER TABLE canary ADD COLUMN x int",
    "CREATE TABLE stolen AS SELECT * FROM canary",
    "CREATE SEQUENCE stolen_seq",
    "CREATE USER 'stolen'@'%'",
    "GRANT ALL ON *.* TO 'stolen'@'%' IDENTIFIED BY 'x'",
    "SELECT * FROM canary FOR UPDATE",
    "SELECT * FROM canary LOCK IN SHARE MODE",
    "START TRANSACTION",
    "SET SESSION tx_read_only = 0",
]


@pytest.fixture(scope="module")
def canary_db(mysql_server: mariadb.MariaDbServer, mysql_demo: str) -> Iterator[str]:
    """A copy of the demo plus ``canary``, a table an attack would love to change."""
    name = f"c_{uuid.uuid4().hex[:10]}"
    mariadb.create_database(mysql_server, name)
    conn = mysql_server.connect(name)
    with conn.cursor() as cursor:
        for table in ("borrowers", "loans"):
            cursor.execute(f"CREATE TABLE {table} LIKE `{mysql_demo}`.{table}")
            cursor.execute(f"INSERT INTO {table} SELECT * FROM `{mysql_demo}`.{table}")
        cursor.execute("CREATE TABLE canary (id INT PRIMARY KEY, name VARCHAR(20), amount INT)")
        cursor.executemany("INSERT INTO canary VALUES (%s, %s, %s)", CANARY_ROWS)
    conn.close()
    yield name
    mariadb.drop_database(mysql_server, name)


def _target(url: str, key: str) -> Iterator[QueryTarget]:
    target = mariadb.query_target(url, key=key, hold_seconds=HOLD_SECONDS)
    yield target
    target.engine.dispose()


@pytest.fixture(scope="module")
def reader(mysql_server: mariadb.MariaDbServer, canary_db: str) -> Iterator[QueryTarget]:
    """A normal login: it may SELECT in its database and nothing else."""
    user, password = mariadb.create_reader(mysql_server, canary_db)
    yield from _target(mysql_server.url(canary_db, user=user, password=password), "reader")


@pytest.fixture(scope="module")
def admin(mysql_server: mariadb.MariaDbServer, canary_db: str) -> Iterator[QueryTarget]:
    """A privileged login (ALL PRIVILEGES WITH GRANT OPTION): only our layers stand in the way."""
    yield from _target(mysql_server.url(canary_db), "admin")


@pytest.fixture(params=["reader", "admin"])
def login(request: pytest.FixtureRequest) -> QueryTarget:
    target: QueryTarget = request.getfixturevalue(request.param)
    return target


def _files(server: mariadb.MariaDbServer) -> list[str]:
    return sorted(p.name for p in server.files_dir.iterdir()) if server.files_dir else []


def server_state(server: mariadb.MariaDbServer, database: str) -> tuple[Any, ...]:
    conn = server.connect(database)
    try:
        with conn.cursor() as cursor:
            cursor.execute("CHECKSUM TABLE canary")
            checksum = cursor.fetchall()
            cursor.execute("SELECT id, name, amount FROM canary ORDER BY id")
            rows = [tuple(r) for r in cursor.fetchall()]
            cursor.execute("SHOW FULL TABLES")
            tables = sorted(cursor.fetchall())
            cursor.execute("SELECT user, host FROM mysql.user ORDER BY user, host")
            users = cursor.fetchall()
            cursor.execute("SHOW DATABASES")
            databases = sorted(cursor.fetchall())
            cursor.execute("SELECT IS_USED_LOCK(%s)", (LOCK_NAME,))
            lock = cursor.fetchall()
    finally:
        conn.close()
    return checksum, rows, tables, users, databases, lock, _files(server)


@pytest.fixture(scope="module")
def baseline(
    mysql_server: mariadb.MariaDbServer, canary_db: str, reader: QueryTarget, admin: QueryTarget
) -> tuple[Any, ...]:
    state = server_state(mysql_server, canary_db)
    assert state[1] == CANARY_ROWS
    return state


def guarded_run(target: QueryTarget, sql: str) -> None:
    checked = check_sql(sql, dialect="mysql", enabled_tables=None, all_tables=TABLES)
    run_readonly(target, checked, row_cap=10, timeout_seconds=TIMEOUT)


@pytest.mark.parametrize("sql", MYSQL_ATTACKS.values(), ids=MYSQL_ATTACKS.keys())
def test_attacks_through_the_guard_change_nothing(
    sql: str,
    login: QueryTarget,
    mysql_server: mariadb.MariaDbServer,
    canary_db: str,
    baseline: tuple[Any, ...],
) -> None:
    started = time.monotonic()
    with pytest.raises(AppError):
        guarded_run(login, sql)
    assert time.monotonic() - started < 2  # refused before it reached the server
    assert server_state(mysql_server, canary_db) == baseline


def is_mariadb(target: QueryTarget) -> bool:
    """MariaDB (the throwaway server), or MySQL (a server ``TEST_MYSQL_URL`` may name)."""
    version = run_readonly(target, "SELECT VERSION()", row_cap=1, timeout_seconds=5).rows
    return "mariadb" in str(version[0][0]).lower()


def assert_session_is_clean(target: QueryTarget) -> None:
    """The pooled connection is read-only again, with the time limit, whatever ran before."""
    # (Read without a table: MariaDB 10.11 answers 0 for tx_read_only in a query with one.)
    if is_mariadb(target):
        settings = "@@session.tx_read_only, @@session.max_statement_time, @@session.sql_mode"
        expected: list[Any] = [1, 5.0, SQL_MODE]
    else:
        settings = "@@session.transaction_read_only, @@session.max_execution_time, @@sql_mode"
        expected = [1, 5000, SQL_MODE]
    after = run_readonly(target, f"SELECT {settings}", row_cap=1, timeout_seconds=5)
    assert after.rows == [expected]
    counted = run_readonly(target, "SELECT COUNT(*) FROM canary", row_cap=1, timeout_seconds=5)
    assert counted.rows == [[len(CANARY_ROWS)]]


@pytest.mark.parametrize("sql", RAW_ATTACKS.values(), ids=RAW_ATTACKS.keys())
def test_attacks_that_skip_the_guard_still_change_nothing_for_a_normal_login(
    sql: str,
    reader: QueryTarget,
    mysql_server: mariadb.MariaDbServer,
    canary_db: str,
    baseline: tuple[Any, ...],
) -> None:
    started = time.monotonic()
    with contextlib.suppress(AppError):  # refused by the server: expected for every write
        run_readonly(reader, sql, row_cap=10, timeout_seconds=TIMEOUT)
    assert time.monotonic() - started < TIMEOUT + 3  # nothing slept past the time limit
    assert server_state(mysql_server, canary_db) == baseline
    assert_session_is_clean(reader)


@pytest.mark.parametrize("sql", WRITES)
def test_read_only_session_stops_writes_even_for_a_privileged_login(
    sql: str,
    admin: QueryTarget,
    mysql_server: mariadb.MariaDbServer,
    canary_db: str,
    baseline: tuple[Any, ...],
) -> None:
    """A user's connection may carry a powerful login: the read-only layers alone must hold."""
    with contextlib.suppress(AppError):
        run_readonly(admin, sql, row_cap=10, timeout_seconds=TIMEOUT)
    assert server_state(mysql_server, canary_db) == baseline
    assert_session_is_clean(admin)


# START/SET succeed but change nothing (checked above). A shared lock is allowed in a read-only
# transaction; it ends with the rollback that follows every query, and the guard refuses it.
REFUSED_BY_THE_SERVER = [
    w for w in WRITES if not w.startswith(("START", "SET")) and "SHARE MODE" not in w
]


@pytest.mark.parametrize("sql", REFUSED_BY_THE_SERVER)
def test_each_write_is_refused_with_a_reason(sql: str, admin: QueryTarget) -> None:
    with pytest.raises(SqlRefused, match=r"change data|not allowed"):
        run_readonly(admin, sql, row_cap=10, timeout_seconds=TIMEOUT)


def test_sleep_is_cut_off_by_the_statement_time_limit(login: QueryTarget) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as timed_out:
        run_readonly(login, "SELECT SLEEP(30)", row_cap=1, timeout_seconds=0.5)
    assert time.monotonic() - started < 3
    assert "0.5 s" in timed_out.value.detail
    assert_session_is_clean(login)


def test_a_statement_that_lifts_the_limit_is_cut_by_the_client_deadline(
    admin: QueryTarget,
) -> None:
    """MariaDB's ``SET STATEMENT … FOR`` (refused by the guard) could lift the server's limit;
    the checkout's client-side deadline still ends it, as a timeout, not a retried loss."""
    if not is_mariadb(admin):
        pytest.skip("SET STATEMENT … FOR is MariaDB's")
    statement = MYSQL_ATTACKS["set statement for"]
    with pytest.raises(SqlRefused):
        check_sql(statement, dialect="mysql", enabled_tables=None, all_tables=TABLES)
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        run_readonly(admin, statement, row_cap=1, timeout_seconds=TIMEOUT)
    assert time.monotonic() - started < HOLD_SECONDS + 3
    assert_session_is_clean(admin)


def test_a_named_lock_needs_the_guard(reader: QueryTarget) -> None:
    """``GET_LOCK`` is allowed to any login inside a read-only transaction: the function
    allowlist is the layer that stops it (and the lock ends with the connection)."""
    with pytest.raises(SqlRefused, match="get_lock"):
        guarded_run(reader, f"SELECT GET_LOCK('{LOCK_NAME}', 0)")


def test_server_files_stay_shut(
    mysql_server: mariadb.MariaDbServer,
    reader: QueryTarget,
    admin: QueryTarget,
    canary_db: str,
    baseline: tuple[Any, ...],
) -> None:
    """A file the server may read and a directory it may write: a normal login reaches neither
    even with the guard skipped; for a privileged login the guard refuses both."""
    if mysql_server.files_dir is None:
        pytest.skip("the server's file directory is known only for the throwaway server")
    secret = mysql_server.files_dir / "secret.txt"
    secret.write_text("EAA-FILE-CANARY")
    secret.chmod(0o644)
    try:
        read = f"SELECT LOAD_FILE('{secret}')"
        write = f"SELECT * FROM canary INTO OUTFILE '{mysql_server.files_dir / 'out.txt'}'"
        with contextlib.suppress(AppError):
            result = run_readonly(reader, read, row_cap=1, timeout_seconds=TIMEOUT)
            assert result.rows == [[None]]
        with pytest.raises(AppError):
            run_readonly(reader, write, row_cap=1, timeout_seconds=TIMEOUT)
        for sql in (read, write):
            with pytest.raises(SqlRefused):
                guarded_run(admin, sql)
        assert _files(mysql_server) == ["secret.txt"]
    finally:
        secret.unlink()
    assert server_state(mysql_server, canary_db) == baseline


def test_caps_apply_while_rows_are_read(admin: QueryTarget) -> None:
    """A cross join of 50,000² rows stops at the row cap at once; wide rows stop at the byte
    cap; either way the connection is not left reading the rest."""
    cross = "SELECT a.loan_id, b.loan_id FROM loans a CROSS JOIN loans b"
    started = time.monotonic()
    capped = run_readonly(admin, cross, row_cap=100, timeout_seconds=5)
    assert (len(capped.rows), capped.truncated) == (100, True)
    wide = "SELECT LPAD(grade, 1000, 'x') AS w, loan_id FROM loans ORDER BY loan_id LIMIT 40000"
    caps = ByteCaps(cell=500, total=50_000)
    cut = run_readonly(admin, wide, row_cap=10_000, timeout_seconds=5, caps=caps)
    assert cut.truncated
    assert 0 < len(cut.rows) < 100
    assert all(len(str(row[0]).encode()) <= 500 + len("…".encode()) for row in cut.rows)
    assert time.monotonic() - started < 5
    assert_session_is_clean(admin)


def test_a_csv_export_reads_to_its_cap_and_returns_the_connection(reader: QueryTarget) -> None:
    """``stream_readonly`` (CSV export) spools its rows before the first byte is sent."""
    exported = list(
        stream_readonly(
            reader, "SELECT loan_id, grade FROM loans ORDER BY loan_id", row_cap=1000,
            timeout_seconds=5,
        )
    )  # fmt: skip
    assert exported[0] == ["loan_id", "grade"]
    assert len(exported) == 1 + 1000
    assert exported[1][0] == 1
    assert_session_is_clean(reader)
