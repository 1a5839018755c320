"""Long queries cost bounded CPU and cannot starve the API's own requests.

Contract: services.sql_guard — a query of more than ``MAX_SQL_TOKENS`` words and symbols is
refused (400 ``sql_refused``) after a linear tokenisation, and at most ``PARALLEL_CHECKS``
parses run at once, so twenty long questions at once leave ``/api/health`` answering quickly.
Real backend process on production defaults, real PostgreSQL.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.hardening.conftest import BackendStarter

LONG = "SELECT loan_id FROM loans WHERE " + " OR ".join(f"loan_id = {i}" for i in range(800))
TOO_LONG = "SELECT loan_id FROM loans WHERE " + " OR ".join(f"loan_id = {i}" for i in range(1100))


def test_twenty_long_queries_leave_health_responsive(
    pg_url: str, start_backend: BackendStarter
) -> None:
    with start_backend(pg_url, MAX_SQL_CHARS="50000", RATE_LIMIT_USER_PER_MINUTE="0") as backend:
        base = backend.base_url
        registered = httpx.post(
            base + "/api/auth/register",
            json={"email": f"guard-{uuid.uuid4().hex[:8]}@example.com", "password": "pw long 1234"},
        )
        headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
        refused = httpx.post(
            base + "/api/query", json={"sql": TOO_LONG}, headers=headers, timeout=30
        )

        def ask(_: int) -> int:
            answer = httpx.post(
                base + "/api/query", json={"sql": LONG}, headers=headers, timeout=120
            )
            return answer.status_code

        with ThreadPoolExecutor(20) as pool:
            answers = [pool.submit(ask, i) for i in range(20)]
            time.sleep(1.0)
            worst = 0.0
            for _ in range(5):
                started = time.monotonic()
                assert httpx.get(base + "/api/health", timeout=30).status_code == 200
                worst = max(worst, time.monotonic() - started)
                time.sleep(0.3)
            statuses = [a.result() for a in answers]
    assert refused.status_code == 400, refused.text
    assert "words and symbols" in refused.json()["detail"]
    assert set(statuses) <= {200, 503}, statuses
    assert worst < 2.0, f"/api/health took {worst:.2f} s under load"
