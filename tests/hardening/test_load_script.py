"""The load-test scripts work: short, small runs against real services answer every question.

Contract: ``benchmarks.load_test.run_load`` drives concurrent anonymous (or signed-in) demo users
against a loopback backend and reports answers, errors and latency percentiles; it refuses any
address that is not loopback; ``run_raw_load``, its floor, runs the answers' SQL on as many raw
psycopg connections. ``benchmarks.frontend_load.compare`` signs the same new accounts in
through a real frontend's Gradio API and has them ask there too. (The real 50-user runs belong
to ``nox -s bench``.)
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from backend.demo.catalogue import EXAMPLE_QUESTIONS

from benchmarks.frontend_load import compare
from benchmarks.load_test import run_load, run_raw_load
from tests.hardening.conftest import BackendStarter


def test_a_five_second_load_run_answers_every_question(
    pg_url: str, start_backend: BackendStarter
) -> None:
    allow = {"ANONYMOUS_FREE_QUESTIONS": "100000", "RATE_LIMIT_PER_MINUTE": "100000"}
    with start_backend(pg_url, **allow) as backend:
        result = asyncio.run(run_load(backend.base_url, users=5, seconds=5))

    assert result.errors == 0, result.failures
    assert len(result.latencies_ms) >= 5
    assert "p95" in result.summary()


def test_the_floor_runs_the_same_sql_on_raw_connections(
    pg_url: str, start_backend: BackendStarter
) -> None:
    with start_backend(pg_url) as backend:  # it loads the demo
        answer = httpx.post(
            backend.base_url + "/api/query",
            json={"question": EXAMPLE_QUESTIONS[0]},
            headers={"X-Anonymous-ID": "floor-test"},
            timeout=30,
        )
    answer.raise_for_status()
    sql = {question: answer.json()["sql"] for question in EXAMPLE_QUESTIONS}
    floor = run_raw_load(pg_url, sql, users=3, seconds=2)
    assert floor.errors == 0
    assert len(floor.latencies_ms) >= 3
    with pytest.raises(ValueError, match="at most"):
        run_raw_load(pg_url, sql, users=0, seconds=1)
    broken = run_raw_load(
        pg_url, dict.fromkeys(sql, "SELECT * FROM no_such_table"), users=2, seconds=1
    )
    assert broken.failures["UndefinedTable"] == 2  # a failing floor says so
    assert not broken.latencies_ms


def test_the_load_test_only_targets_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        asyncio.run(run_load("http://example.com", users=1, seconds=1))
    with pytest.raises(ValueError, match="at most"):
        asyncio.run(run_load("http://127.0.0.1:9", users=500, seconds=1))


def test_signed_in_users_ask_directly_and_through_the_web_app(
    pg_url: str, start_backend: BackendStarter, work_dir: Path
) -> None:
    allow = {"FREE_MONTHLY_QUOTA": "100000", "RATE_LIMIT_USER_PER_MINUTE": "100000"}
    with start_backend(pg_url, **allow) as backend:
        direct, through = compare(backend.base_url, work_dir, users=3, seconds=5)

    for result in (direct, through):
        assert result.errors == 0, result.failures
        assert len(result.latencies_ms) >= 3
    assert through.users == direct.users == 3
    assert direct.cpu_ms_per_answer is None  # the backend's CPU is not what this measures
    assert through.cpu_ms_per_answer is not None
    assert through.cpu_ms_per_answer > 0
