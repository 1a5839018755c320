"""The load-test script works: a short, small run against a real backend answers every question.

Contract: ``benchmarks.load_test.run_load`` drives concurrent anonymous demo users against a
loopback backend and reports answers, errors and latency percentiles; it refuses any address
that is not loopback. (The real 60-second, 50-user run belongs to ``nox -s bench``.)
"""

from __future__ import annotations

import asyncio

import pytest

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
