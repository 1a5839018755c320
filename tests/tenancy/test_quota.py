"""Twenty parallel questions against ten remaining: exactly ten answered, across two replicas.

Contract: the monthly allowance is taken atomically in PostgreSQL (services.quota.consume), so
two backend processes on one database never answer beyond it; /api/auth/me reports what is left.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
from devkit.keys import new_encryption_key
from devkit.processes import backend_command, run_service

from tests.tenancy.conftest import UserDatabase, backend_env, bearer, register
from tests.tenancy.test_connections import add_connection

QUOTA = 12
PARALLEL = 20
SQL = "SELECT region_id, COUNT(*) AS n FROM sales GROUP BY region_id"


def test_twenty_parallel_questions_with_ten_left_yield_exactly_ten_answers(
    pg_url: str, work_dir: Path, user_db: UserDatabase
) -> None:
    env = backend_env(pg_url, ENCRYPTION_KEY=new_encryption_key(), FREE_MONTHLY_QUOTA=str(QUOTA))
    with (
        run_service(backend_command(), env=env, health_path="/api/health", log_dir=work_dir) as a,
        run_service(backend_command(), env=env, health_path="/api/health", log_dir=work_dir) as b,
        httpx.Client(base_url=a.base_url, timeout=60) as api,
    ):
        user = register(api)
        connection = add_connection(api, user, user_db)
        body = {"sql": SQL, "connection_id": connection["id"]}
        for _ in range(QUOTA - 10):
            assert api.post("/api/query", json=body, headers=bearer(user)).status_code == 200
        assert api.get("/api/auth/me", headers=bearer(user)).json()["quota"]["remaining"] == 10

        start = threading.Barrier(PARALLEL)

        def ask(n: int) -> httpx.Response:
            base = (a if n % 2 else b).base_url
            start.wait()
            return httpx.post(base + "/api/query", json=body, headers=bearer(user), timeout=60)

        with ThreadPoolExecutor(PARALLEL) as pool:
            responses = list(pool.map(ask, range(PARALLEL)))
        me = api.get("/api/auth/me", headers=bearer(user)).json()

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [402] * 10, [r.text for r in responses if r.status_code >= 500]
    assert {r.json()["error"] for r in responses if r.status_code == 402} == {"quota_exceeded"}
    remaining = sorted(r.json()["quota"]["remaining"] for r in responses if r.status_code == 200)
    assert remaining == list(range(10))
    assert me["quota"] == {**me["quota"], "remaining": 0, "limit": QUOTA}
    with psycopg.connect(pg_url) as conn:
        used = conn.execute(
            "SELECT used FROM usage_counters WHERE subject = %s", (f"user:{user['id']}",)
        )
        assert used.fetchone() == (QUOTA,)
        answered = conn.execute("SELECT count(*) FROM query_history WHERE status = 'ok'")
        assert answered.fetchone() == (QUOTA,)
