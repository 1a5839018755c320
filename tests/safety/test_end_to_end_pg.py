"""No statement that writes, locks, sleeps or reads files executes on a real PostgreSQL.

Contract: the guard (``check_sql``) and the executor (``run_readonly``) together never change a
database. The canary table ``demo.canary`` and the set of relations must be identical after every
attempt, both through the guard and when the guard is skipped and the executor is handed the raw
SQL: then the READ ONLY transaction, the server-side cursor and the read-only role stop it.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace

import pytest
from backend.core.errors import AppError
from backend.demo.catalogue import DEMO_READ_ROLE
from backend.safety.executor import QueryTimeout, run_readonly
from backend.safety.guard import SqlRefused, check_sql
from backend.targets.target import QueryTarget
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from tests.conftest import to_sqlalchemy
from tests.safety.conftest import CANARY_ROWS, canary_rows, demo_totals, relation_names
from tests.safety.corpus import POSTGRES_ATTACKS
from tests.safety.test_guard_properties import decorated, stacked, wrapped_writes, writes

TIMEOUT = 1.0
TABLES = frozenset({"loans", "borrowers", "canary"})
# Ending other sessions and allocating a gigabyte are not writes: only the guard's allowlist and
# width limit stop them (proven in test_guard). Run raw they could end this test's own connection
# or strain the shared test server, so the raw run leaves them out.
GUARD_ONLY = {
    "pg_terminate_backend",
    "pg_cancel_backend",
    "repeat memory bomb",
    "lpad memory bomb",
    "generate_series flood",
}
RAW_ATTACKS = {k: v for k, v in POSTGRES_ATTACKS.items() if k not in GUARD_ONLY}


def guarded_run(target: QueryTarget, sql: str) -> None:
    checked = check_sql(
        sql, dialect="postgres", enabled_tables=None, all_tables=TABLES, db_schema="demo"
    )
    run_readonly(target, checked, row_cap=10, timeout_seconds=TIMEOUT)


Baseline = tuple[set[str], tuple[int, int]]


@pytest.fixture(scope="module")
def baseline(pg_canary: QueryTarget, module_pg_url: str) -> Baseline:
    """The relations and demo row counts before any attack."""
    return relation_names(module_pg_url), demo_totals(module_pg_url)


def assert_untouched(url: str, baseline: Baseline) -> None:
    assert canary_rows(url) == CANARY_ROWS
    assert relation_names(url) == baseline[0]
    assert demo_totals(url) == baseline[1]


@pytest.mark.parametrize("sql", POSTGRES_ATTACKS.values(), ids=POSTGRES_ATTACKS.keys())
def test_attacks_through_the_guard_change_nothing(
    sql: str,
    pg_canary: QueryTarget,
    module_pg_url: str,
    baseline: Baseline,
) -> None:
    with pytest.raises(AppError):
        guarded_run(pg_canary, sql)
    assert_untouched(module_pg_url, baseline)


@pytest.mark.parametrize("sql", RAW_ATTACKS.values(), ids=RAW_ATTACKS.keys())
def test_attacks_that_skip_the_guard_still_change_nothing(
    sql: str,
    pg_canary: QueryTarget,
    module_pg_url: str,
    baseline: Baseline,
) -> None:
    started = time.monotonic()
    with contextlib.suppress(AppError):  # refused by the database: expected for every write
        run_readonly(pg_canary, sql, row_cap=10, timeout_seconds=TIMEOUT)
    assert time.monotonic() - started < TIMEOUT + 5  # nothing slept past the time limit
    assert_untouched(module_pg_url, baseline)
    # The pooled connection is still the read-only role, in no leftover state.
    after = run_readonly(
        pg_canary, "SELECT current_user, count(*) FROM canary", row_cap=1, timeout_seconds=5
    )
    assert after.rows == [[DEMO_READ_ROLE, len(CANARY_ROWS)]]


WRITES = [
    "DELETE FROM canary",
    "UPDATE canary SET amount = 0",
    "INSERT INTO canary VALUES (9, 'x', 9)",
    "WITH d AS (DELETE FROM canary RETURNING *) SELECT * FROM d",
    "SELECT * INTO stolen FROM canary",
    "SELECT * FROM canary FOR UPDATE",
    "SELECT 1; DELETE FROM canary",
    "COMMIT; DELETE FROM canary",
    "CREATE TABLE stolen AS SELECT * FROM canary",
    "DROP TABLE canary",
    "SELECT set_config('transaction_read_only', 'off', false)",
    "SELECT nextval('stolen_seq')",
]


@pytest.mark.parametrize("sql", WRITES)
def test_read_only_transaction_stops_writes_even_for_a_superuser(
    sql: str,
    pg_canary: QueryTarget,
    module_pg_url: str,
    pg_admin_url: str,
    baseline: Baseline,
) -> None:
    """A user's connection may carry a powerful login: the transaction alone must hold."""
    from tests.conftest import with_database

    database = module_pg_url.rsplit("/", 1)[-1].split("?")[0]
    engine = create_engine(to_sqlalchemy(with_database(pg_admin_url, database)))
    target = replace(pg_canary, key="superuser", engine=engine)
    try:
        with pytest.raises(AppError):
            run_readonly(target, sql, row_cap=10, timeout_seconds=TIMEOUT)
        assert_untouched(module_pg_url, baseline)
    finally:
        engine.dispose()


def test_large_object_import_needs_the_guard_on_older_servers(
    pg_canary: QueryTarget, module_pg_url: str, pg_admin_url: str
) -> None:
    """``lo_import`` creates a large object. PostgreSQL 18 refuses that inside a READ ONLY
    transaction but 15 allows it, so for a superuser login on an older server the guard's
    function allowlist is the layer that stops it; the demo role cannot call it at all."""
    from tests.conftest import with_database

    statement = "SELECT lo_import('/etc/hostname')"
    with pytest.raises(SqlRefused, match="lo_import"):
        check_sql(statement, dialect="postgres", enabled_tables=None, all_tables={"canary"})
    with pytest.raises(AppError):
        run_readonly(pg_canary, statement, row_cap=1, timeout_seconds=TIMEOUT)
    database = module_pg_url.rsplit("/", 1)[-1].split("?")[0]
    engine = create_engine(to_sqlalchemy(with_database(pg_admin_url, database)))
    try:
        with engine.connect() as connection:
            version = connection.exec_driver_sql("SHOW server_version_num").scalar_one()
        target = replace(pg_canary, key="superuser", engine=engine)
        if int(version) >= 180000:
            with pytest.raises(AppError):
                run_readonly(target, statement, row_cap=1, timeout_seconds=TIMEOUT)
    finally:
        engine.dispose()


def test_sleep_is_cut_off_by_the_statement_timeout(pg_canary: QueryTarget) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as timed_out:
        run_readonly(pg_canary, "SELECT pg_sleep(30)", row_cap=1, timeout_seconds=0.5)
    assert time.monotonic() - started < 5
    assert timed_out.value.code == "query_timeout"
    assert "0.5 s" in timed_out.value.detail


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sql=st.one_of(writes, wrapped_writes, stacked, decorated))
def test_generated_writes_sent_raw_change_nothing(
    sql: str,
    pg_canary: QueryTarget,
    module_pg_url: str,
    baseline: Baseline,
) -> None:
    """The property test's statements, run on the database with the guard skipped."""
    with contextlib.suppress(AppError):
        run_readonly(pg_canary, sql, row_cap=5, timeout_seconds=TIMEOUT)
    assert_untouched(module_pg_url, baseline)


@pytest.mark.parametrize(
    "table", ["users", "auth_sessions", "connections", "query_history", "alembic_version"]
)
def test_demo_role_cannot_read_the_apps_own_tables(table: str, pg_canary: QueryTarget) -> None:
    """Accounts and saved credentials live next to the demo: even a raw query cannot read them."""
    with pytest.raises(SqlRefused, match="not allowed"):
        run_readonly(pg_canary, f"SELECT * FROM public.{table}", row_cap=1, timeout_seconds=5)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT pg_read_file('PG_VERSION')",
        "SELECT pg_read_binary_file('PG_VERSION')",
        "SELECT * FROM pg_ls_dir('.')",
        "SELECT pg_stat_file('PG_VERSION')",
        "SELECT lo_import('/etc/hostname')",
        "SELECT lo_export(1, '/tmp/eaa-canary-export')",
        "SELECT current_setting('data_directory')",
        "SELECT pg_reload_conf()",
    ],
)
def test_demo_role_cannot_touch_server_files(sql: str, pg_canary: QueryTarget) -> None:
    """With the guard skipped, the read-only role alone keeps server files and settings shut."""
    with pytest.raises(AppError):
        run_readonly(pg_canary, sql, row_cap=1, timeout_seconds=5)
