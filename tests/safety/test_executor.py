"""The executor's own guarantees: row cap with an honest flag, time limits, JSON-safe values,
streaming for CSV, and retries with backoff when the database is unreachable.

Contract: ``run_readonly(target, sql, *, row_cap, timeout_seconds) -> ResultSet`` and
``stream_readonly(...)`` (column names first, then rows); ``QueryTimeout`` (422),
``QueryFailed`` (422), ``DatabaseUnreachable`` (503) after 3 retries.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import replace

import psycopg
import pytest
from backend.safety.executor import (
    BACKOFF_SECONDS,
    RETRIES,
    ByteCaps,
    DatabaseUnreachable,
    QueryFailed,
    QueryTimeout,
    run_readonly,
    stream_readonly,
)
from backend.targets.target import QueryTarget
from devkit.processes import free_port
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url

from tests.conftest import to_sqlalchemy


@pytest.mark.parametrize("demo", ["pg_demo", "demo_sqlite"])
def test_row_cap_reports_truncation(demo: str, request: pytest.FixtureRequest) -> None:
    target: QueryTarget = request.getfixturevalue(demo)
    capped = run_readonly(target, "SELECT loan_id FROM loans", row_cap=100, timeout_seconds=10)
    assert capped.row_count == 100
    assert len(capped.rows) == 100
    assert capped.truncated is True
    exact = run_readonly(
        target, "SELECT loan_id FROM loans WHERE loan_id <= 100", row_cap=100, timeout_seconds=10
    )
    assert exact.row_count == 100
    assert exact.truncated is False
    assert capped.columns == ["loan_id"]
    assert capped.elapsed_ms > 0


@pytest.mark.parametrize("demo", ["pg_demo", "demo_sqlite"])
def test_values_come_back_json_safe(demo: str, request: pytest.FixtureRequest) -> None:
    target: QueryTarget = request.getfixturevalue(demo)
    result = run_readonly(
        target,
        "SELECT issue_date, loan_amount, interest_rate, term, grade FROM loans WHERE loan_id = 1",
        row_cap=5,
        timeout_seconds=10,
    )
    row = result.rows[0]
    json.dumps(result.rows)
    assert isinstance(row[0], str)
    assert len(row[0]) == 10
    assert isinstance(row[1], float)
    assert isinstance(row[2], float)
    assert row[3] in (36, 60)
    assert row[4] in list("ABCDEFG")


def test_postgres_statement_timeout(pg_demo: QueryTarget) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"longer than 0\.3 s") as timed_out:
        run_readonly(pg_demo, "SELECT pg_sleep(20)", row_cap=1, timeout_seconds=0.3)
    assert timed_out.value.status_code == 422
    assert time.monotonic() - started < 5
    # The connection went back to the pool healthy.
    ok = run_readonly(pg_demo, "SELECT 1 AS one", row_cap=1, timeout_seconds=5)
    assert ok.rows == [[1]]


def test_sqlite_progress_handler_time_limit(demo_sqlite: QueryTarget) -> None:
    slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        run_readonly(demo_sqlite, slow, row_cap=1, timeout_seconds=0.3)
    assert time.monotonic() - started < 5
    assert run_readonly(demo_sqlite, "SELECT 1", row_cap=1, timeout_seconds=5).rows == [[1]]


@pytest.mark.parametrize("demo", ["pg_demo", "demo_sqlite"])
def test_database_errors_are_explained(demo: str, request: pytest.FixtureRequest) -> None:
    target: QueryTarget = request.getfixturevalue(demo)
    with pytest.raises(QueryFailed) as failed:
        run_readonly(target, "SELECT no_such_column FROM loans", row_cap=1, timeout_seconds=5)
    assert failed.value.status_code == 422
    assert "no_such_column" in failed.value.detail


@pytest.mark.parametrize("demo", ["pg_demo", "demo_sqlite"])
def test_stream_yields_header_then_capped_rows(demo: str, request: pytest.FixtureRequest) -> None:
    target: QueryTarget = request.getfixturevalue(demo)
    rows = list(
        stream_readonly(
            target,
            "SELECT loan_id, issue_date FROM loans ORDER BY loan_id",
            row_cap=2500,
            timeout_seconds=10,
        )
    )
    assert rows[0] == ["loan_id", "issue_date"]
    assert len(rows) == 2501
    assert [r[0] for r in rows[1:4]] == [1, 2, 3]


def test_unreachable_database_is_retried_with_backoff(pg_demo: QueryTarget) -> None:
    engine = create_engine(
        f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none",
        connect_args={"connect_timeout": 2},
    )
    attempts: list[float] = []
    event.listen(engine, "do_connect", lambda *_: attempts.append(time.monotonic()))
    target = replace(pg_demo, key="down", engine=engine)
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseUnreachable) as unreachable:
            run_readonly(target, "SELECT 1", row_cap=1, timeout_seconds=5)
    finally:
        engine.dispose()
    assert unreachable.value.status_code == 503
    assert unreachable.value.code == "database_unreachable"
    assert len(attempts) == RETRIES + 1
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert all(gap >= BACKOFF_SECONDS * 2**i * 0.9 for i, gap in enumerate(gaps))
    assert time.monotonic() - started >= BACKOFF_SECONDS * (2**RETRIES - 1)


def test_sqlite_values_cannot_outgrow_the_process(demo_sqlite: QueryTarget) -> None:
    """The embedded database shares the API's memory: a huge string fails instead of growing."""
    grow = "replace(printf('%1000d', 1), ' ', printf('%1000d', 1))"  # 1 MB
    bomb = f"SELECT length(replace({grow}, ' ', printf('%100d', 1)))"  # would be 100 MB
    with pytest.raises(QueryFailed, match="larger than 16 MB"):
        run_readonly(demo_sqlite, bomb, row_cap=1, timeout_seconds=10)
    assert run_readonly(demo_sqlite, "SELECT 1", row_cap=1, timeout_seconds=5).rows == [[1]]


@pytest.mark.parametrize("demo", ["pg_demo", "demo_sqlite"])
def test_a_slow_csv_reader_is_not_cut_off(demo: str, request: pytest.FixtureRequest) -> None:
    """The time limit covers the query and each fetch, not the reader's pauses between them."""
    target: QueryTarget = request.getfixturevalue(demo)
    rows = stream_readonly(
        target, "SELECT loan_id FROM loans ORDER BY loan_id", row_cap=3000, timeout_seconds=0.5
    )
    assert next(rows) == ["loan_id"]
    first = [next(rows) for _ in range(1000)]
    time.sleep(0.8)
    rest = list(rows)
    assert [r[0] for r in first + rest] == list(range(1, 3001))


def test_an_export_holds_no_connection_while_it_is_read(
    pg_demo: QueryTarget, module_pg_url: str, pg_admin_url: str
) -> None:
    """The rows are read first, so a reader's pace never keeps a transaction (or pool slot)."""
    rows = stream_readonly(
        pg_demo, "SELECT loan_id FROM loans ORDER BY loan_id", row_cap=50_000, timeout_seconds=10
    )
    assert next(rows) == ["loan_id"]
    assert len([next(rows) for _ in range(1500)]) == 1500
    database = make_url(to_sqlalchemy(module_pg_url)).database
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        open_transactions = admin.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'",
            (database,),
        ).fetchone()
    assert open_transactions == (0,)
    assert len(list(rows)) == 50_000 - 1500
    assert run_readonly(pg_demo, "SELECT 1", row_cap=1, timeout_seconds=5).rows == [[1]]


def test_a_result_is_capped_in_bytes_as_it_is_fetched(pg_demo: QueryTarget) -> None:
    wide = run_readonly(
        pg_demo,
        "SELECT lpad('x', 1000, 'y') AS a FROM loans",
        row_cap=5000,
        timeout_seconds=10,
        caps=ByteCaps(cell=2000, total=100_000),
    )
    assert wide.truncated
    assert wide.row_count == 100
    cut = run_readonly(
        pg_demo,
        "SELECT lpad('x', 1000, 'y') AS a",
        row_cap=5,
        timeout_seconds=10,
        caps=ByteCaps(cell=100, total=100_000),
    )
    assert cut.truncated
    assert cut.rows[0][0] == "y" * 100 + "…"


def test_postgres_types_become_readable_json(pg_demo: QueryTarget) -> None:
    result = run_readonly(
        pg_demo,
        "SELECT 1.5::numeric, DATE '2023-05-01', TIMESTAMP '2023-05-01 10:00', "
        "INTERVAL '2 days', ARRAY['A', 'B'], '{\"k\": [1, 2]}'::jsonb, "
        "'NaN'::float8, 'x'::bytea, gen_random_uuid() IS NOT NULL",
        row_cap=1,
        timeout_seconds=5,
    )
    row = result.rows[0]
    assert row[:4] == [1.5, "2023-05-01", "2023-05-01T10:00:00", "2 days, 0:00:00"]
    assert row[4] == '["A", "B"]'
    assert row[5] == '{"k": [1, 2]}'
    assert row[6] is None  # NaN is not JSON
    assert row[7] == "eA=="
    assert row[8] is True
    json.dumps(result.rows)
