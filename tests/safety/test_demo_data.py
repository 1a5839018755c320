"""The demo loans data: deterministic, realistic in shape, loaded read-only and only once.

Contract: ``generate()`` is a pure function of its seed; ``load_postgres`` creates schema ``demo``
readable (SELECT only) by the NOLOGIN role ``eaa_demo_reader``; ``load_sqlite`` writes
``<data_dir>/demo.sqlite``; both are no-ops when the same generator version is loaded;
``python -m backend load-demo`` runs the loader.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import statistics
import subprocess
import sys
import uuid
from collections import defaultdict
from pathlib import Path

import psycopg
import pytest
from backend.core.config import Settings
from backend.data.database import make_engine
from backend.demo import catalogue, generate, load
from backend.demo.target import DemoTargets, DemoUnavailable
from backend.safety.executor import DatabaseUnreachable, QueryFailed, run_readonly
from backend.safety.guard import SqlRefused
from backend.targets.target import QueryTarget
from devkit.processes import clean_env, free_port
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import to_sqlalchemy, with_database
from tests.safety.conftest import pg_settings


@pytest.fixture(scope="module")
def dataset() -> generate.DemoDataset:
    return generate.generate()


def test_same_seed_same_rows_other_seed_other_rows(dataset: generate.DemoDataset) -> None:
    again = generate.generate()
    assert again.checksum() == dataset.checksum()
    assert again.loans[:50] == dataset.loans[:50]
    assert generate.generate(2000, seed=7).checksum() != generate.generate(2000).checksum()


def test_size_and_coverage(dataset: generate.DemoDataset) -> None:
    assert len(dataset.loans) == 50_000
    assert 30_000 < len(dataset.borrowers) < 50_000  # some borrowers have several loans
    months_2023 = {loan[2].month for loan in dataset.loans if loan[2].year == 2023}
    assert months_2023 == set(range(1, 13))
    assert len({loan[2].year for loan in dataset.loans}) >= 5
    assert {loan[4] for loan in dataset.loans} == {36, 60}
    statuses = {loan[12] for loan in dataset.loans}
    assert {"Fully Paid", "Current", "Charged Off", "Default"} <= statuses
    assert len({b[1] for b in dataset.borrowers}) == 50  # states
    assert {loan[8] for loan in dataset.loans} == {
        f"{g}{n}" for g in "ABCDEFG" for n in range(1, 6)
    }


def test_worse_grades_pay_more_and_default_more(dataset: generate.DemoDataset) -> None:
    by_grade: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for loan in dataset.loans:
        by_grade[str(loan[7])].append(loan)
    grades = sorted(by_grade)
    assert grades == list("ABCDEFG")
    default_rates = [statistics.mean(bool(r[13]) for r in by_grade[g]) for g in grades]
    mean_rates = [statistics.mean(float(r[5]) for r in by_grade[g]) for g in grades]  # type: ignore[arg-type]
    assert default_rates == sorted(default_rates)
    assert mean_rates == sorted(mean_rates)
    assert default_rates[-1] > 4 * default_rates[0]
    assert 8 < default_rates[1] * 100 + default_rates[2] * 100 < 40  # B and C: a few percent each


def test_income_and_amount_move_together(dataset: generate.DemoDataset) -> None:
    income = {b[0]: float(b[2]) for b in dataset.borrowers}
    pairs = [(income[loan[1]], float(loan[3])) for loan in dataset.loans]
    correlation = statistics.correlation([p[0] for p in pairs], [p[1] for p in pairs])
    assert correlation > 0.3
    assert all(1_000 <= amount <= 40_000 for _, amount in pairs)


def test_postgres_load_is_read_only_for_the_demo_role(
    pg_demo: QueryTarget, module_pg_url: str
) -> None:
    assert pg_demo.db_schema == "demo"
    with psycopg.connect(module_pg_url, autocommit=True) as conn:
        count = conn.execute("SELECT count(*) FROM demo.loans").fetchone()
        role = conn.execute(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (catalogue.DEMO_READ_ROLE,)
        ).fetchone()
        assert count == (50_000,)
        assert role == (False,)
        conn.execute(f"SET ROLE {catalogue.DEMO_READ_ROLE}")
        assert conn.execute("SELECT count(*) FROM demo.borrowers").fetchone() is not None
        for write in (
            "INSERT INTO demo.loans (loan_id) VALUES (-1)",
            "UPDATE demo.loans SET term = 1",
            "DELETE FROM demo.borrowers",
            "CREATE TABLE demo.x (a int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(write)


def test_postgres_load_is_idempotent_and_follows_the_version(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA demo CASCADE")  # the test databases come with the demo loaded
    engine = create_engine(to_sqlalchemy(pg_url))
    small = generate.generate(500)
    try:
        first = load.load_postgres(engine, dataset=small)
        second = load.load_postgres(engine, dataset=small)
        assert first.loaded is True
        assert second.loaded is False
        assert second.read_role == catalogue.DEMO_READ_ROLE
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("UPDATE demo.loans SET term = 36 WHERE loan_id = 1")  # a marker row
            conn.execute("COMMENT ON SCHEMA demo IS 'eaa-demo v0'")  # an older generator
        third = load.load_postgres(engine, dataset=generate.generate(300))
        assert third.loaded is True
        with psycopg.connect(pg_url, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM demo.loans").fetchone() == (300,)
    finally:
        engine.dispose()


def test_sqlite_load_is_idempotent_and_read_only(tmp_path: Path) -> None:
    small = generate.generate(400)
    first = load.load_sqlite(tmp_path, dataset=small)
    path = load.sqlite_path(tmp_path)
    stamp = path.stat().st_mtime_ns
    second = load.load_sqlite(tmp_path, dataset=small)
    assert (first.loaded, second.loaded) == (True, False)
    assert path.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == ["demo.sqlite"]  # no partial file left


def test_demo_sqlite_target_opens_the_file_read_only(demo_sqlite: QueryTarget) -> None:
    with demo_sqlite.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA query_only").scalar() == 1
        conn.exec_driver_sql("PRAGMA query_only = OFF")  # even then the file is mode=ro
        with pytest.raises(OperationalError, match="readonly"):
            conn.exec_driver_sql("DELETE FROM loans")
        conn.exec_driver_sql("PRAGMA query_only = ON")
    assert demo_sqlite.schema_info.table("loans") is not None


def test_load_demo_command(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "backend", "load-demo"]
    env = clean_env({"DATA_DIR": str(tmp_path / "data")})
    first = subprocess.run(
        command, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    second = subprocess.run(
        command, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    assert "demo data loaded: 50000 loans" in first.stdout
    assert "already up to date" in second.stdout
    assert (tmp_path / "data" / "demo.sqlite").is_file()
    assert os.access(tmp_path / "data" / "demo.sqlite", os.R_OK)


def test_dates_span_the_documented_window(dataset: generate.DemoDataset) -> None:
    dates = [loan[2] for loan in dataset.loans]
    assert min(dates) >= dt.date(2019, 1, 1)
    assert max(dates) <= dt.date(2024, 6, 30)
    assert len(catalogue.EXAMPLE_QUESTIONS) >= 12
    for required in (
        "What is the default rate by grade?",
        "Top 10 states by average loan amount",
        "Monthly loan volume in 2023",
        "How many loans per purpose?",
    ):
        assert required in catalogue.EXAMPLE_QUESTIONS


@pytest.mark.parametrize("already_member", [False, True], ids=["not-a-member", "member"])
def test_a_login_that_cannot_grant_roles_still_gets_a_read_only_demo(
    already_member: bool, pg_admin_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An app login without the right to grant roles: if an administrator made it a member of
    the read-only role, the demo runs as that role; otherwise a warning, and the other layers
    carry the load."""
    suffix = uuid.uuid4().hex[:8]
    login, database = f"limited_{suffix}", f"limited_db_{suffix}"
    reader = sql.Identifier(catalogue.DEMO_READ_ROLE)
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(database), sql.Identifier(login)
            )
        )
        if already_member:
            exists = admin.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (catalogue.DEMO_READ_ROLE,)
            ).fetchone()
            if not exists:
                admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(reader))
            admin.execute(sql.SQL("GRANT {} TO {}").format(reader, sql.Identifier(login)))
    url = make_url(with_database(pg_admin_url, database)).set(username=login)
    settings = pg_settings(url.render_as_string(hide_password=False))
    try:
        with caplog.at_level(logging.WARNING, logger="backend.demo"):
            engine = make_engine(settings)
            load.load_postgres(engine)
            engine.dispose()
            demo = DemoTargets(settings)
            target = demo.target()
        assert ("read-only role" in caplog.text) is not already_member
        whoami = run_readonly(target, "SELECT current_user", row_cap=1, timeout_seconds=5)
        assert whoami.rows == [[catalogue.DEMO_READ_ROLE if already_member else login]]
        with pytest.raises(SqlRefused, match="change data"):
            run_readonly(target, "SELECT * FROM loans FOR UPDATE", row_cap=1, timeout_seconds=5)
        with pytest.raises(QueryFailed):  # the server-side cursor admits only a query
            run_readonly(target, "DELETE FROM loans", row_cap=1, timeout_seconds=5)
        count = run_readonly(target, "SELECT count(*) FROM loans", row_cap=1, timeout_seconds=5)
        assert count.rows == [[50_000]]
        demo.dispose()
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))


def test_an_unreachable_database_makes_the_demo_unreachable_not_broken() -> None:
    settings = pg_settings(f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    demo = DemoTargets(settings)
    with pytest.raises(DatabaseUnreachable) as unavailable:
        demo.target()
    assert unavailable.value.status_code == 503
    assert unavailable.value.code == "database_unreachable"
    assert "retry" in unavailable.value.detail
    demo.dispose()


def test_the_demo_target_only_opens_it_never_loads_it(tmp_path: Path, pg_url: str) -> None:
    """Loading (DROP SCHEMA, CREATE ROLE) is the operator's step: a demo question on a server
    where nobody ran ``load-demo`` answers 503 demo_unavailable and changes nothing."""
    embedded = DemoTargets(Settings(data_dir=tmp_path))
    with pytest.raises(DemoUnavailable, match="load-demo") as refused:
        embedded.target()
    assert refused.value.status_code == 503
    assert not load.sqlite_path(tmp_path).exists()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA demo CASCADE")
    on_postgres = DemoTargets(pg_settings(pg_url))
    with pytest.raises(DemoUnavailable, match="load-demo"):
        on_postgres.target()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'demo'").fetchone() is None
