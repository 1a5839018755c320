"""The load-test scripts work: short, small runs against real services answer every question.

Contract: ``benchmarks.load_test.run_load`` drives concurrent anonymous (or signed-in) demo users
against a loopback backend and reports answers, errors and latency percentiles; it refuses any
address that is not loopback. ``benchmarks.frontend_load.compare`` signs the same new accounts
in through a real frontend's Gradio API and has them ask there too. (The real 50-user runs
belong to ``nox -s bench``.)
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks.frontend_load import compare
from benchmarks.load_test import run_load
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
