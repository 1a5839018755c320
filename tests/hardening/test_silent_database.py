"""A database that accepts the login and then goes silent cannot hold the API.

Contract: services.connection_pools (client-side deadline per checkout, ``USER_DB_HOLD_SECONDS``;
connect timeout), targets.gate (at most ``USER_DB_MAX_CONCURRENT`` operations on queried
databases, ``TARGET_MAX_CONCURRENT`` per database; the rest wait up to
``USER_DB_QUEUE_TIMEOUT_SECONDS``, then 503 ``database_busy`` with ``Retry-After``) and
services.executor (a cut connection answers 422 ``query_timeout``, not a retried connection
loss). Held against a real backend process and a fake PostgreSQL server that completes the
startup and then never answers.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from backend.connections.pools import make_target_engine
from backend.connections.urls import parse
from backend.core.dialects import Dialect
from backend.safety.executor import QueryTimeout, run_readonly
from backend.targets.schema_info import SchemaInfo
from backend.targets.target import QueryTarget
from devkit.fake_postgres import fake_postgres

from tests.hardening.conftest import BackendStarter

HOLD_SECONDS = 4
SILENT_ENV = {
    "CONNECTIONS_ALLOW_PRIVATE_HOSTS": "true",
    "USER_DB_HOLD_SECONDS": str(HOLD_SECONDS),
    "RATE_LIMIT_PER_MINUTE": "0",
    "RATE_LIMIT_USER_PER_MINUTE": "0",
}


def test_45_tests_against_a_silent_database_leave_the_api_responsive(
    pg_url: str, start_backend: BackendStarter
) -> None:
    email, password = f"silent-{uuid.uuid4().hex[:8]}@example.com", "long enough pw 1"
    with fake_postgres("silent") as fake, start_backend(pg_url, **SILENT_ENV) as backend:
        base = backend.base_url
        registered = httpx.post(
            base + "/api/auth/register", json={"email": email, "password": password}
        )
        assert registered.status_code == 201, registered.text
        headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
        body = {"url": f"postgresql://u:pw@127.0.0.1:{fake.port}/x", "ssl_mode": "disable"}

        def probe(_: int) -> tuple[int, str, float]:
            started = time.monotonic()
            response = httpx.post(
                base + "/api/connections/test", json=body, headers=headers, timeout=120
            )
            return response.status_code, response.text, time.monotonic() - started

        with ThreadPoolExecutor(45) as pool:
            tests = [pool.submit(probe, i) for i in range(45)]
            time.sleep(1.5)  # the admitted ones are now waiting on the silent server
            started = time.monotonic()
            health = httpx.get(base + "/api/health", timeout=10)
            login = httpx.post(
                base + "/api/auth/login",
                json={"email": email, "password": password},
                timeout=10,
            )
            responsive = time.monotonic() - started
            results = [t.result() for t in tests]
    assert health.status_code == 200
    assert login.status_code == 200, login.text
    assert responsive < 5, f"health + login took {responsive:.1f} s"
    statuses = sorted({status for status, _, _ in results})
    assert set(statuses) <= {422, 503}, statuses
    busy = [text for status, text, _ in results if status == 503]
    assert busy
    assert all("database_busy" in text for text in busy)
    timed_out = [text for status, text, _ in results if status == 422]
    assert timed_out
    assert all("did not answer" in text for text in timed_out)
    # Bounded by the deadline (plus queueing behind 44 others on a shared machine), not hung.
    assert max(seconds for _, _, seconds in results) < HOLD_SECONDS + 20
    assert fake.startups, "the backend never reached the fake server"


def test_a_query_on_a_silent_database_is_cut_off_by_the_client() -> None:
    with fake_postgres("silent") as fake:
        spec = parse(f"postgresql://u:pw@127.0.0.1:{fake.port}/x", None, "disable")
        engine = make_target_engine(
            spec,
            pooled=True,
            hostaddr="127.0.0.1",
            app_identity=lambda: None,
            hold_seconds=2,
            pool_max=2,
        )
        target = QueryTarget(
            "silent", engine, Dialect.POSTGRES, None, SchemaInfo(Dialect.POSTGRES), None
        )
        started = time.monotonic()
        try:
            with pytest.raises(QueryTimeout, match="stopped answering"):
                run_readonly(target, "SELECT 1", row_cap=1, timeout_seconds=1)
        finally:
            engine.dispose()
    assert time.monotonic() - started < 2 + 3


def test_a_server_that_never_answers_the_startup_hits_the_connect_timeout(
    pg_url: str, start_backend: BackendStarter
) -> None:
    with fake_postgres("stall") as fake, start_backend(pg_url, **SILENT_ENV) as backend:
        registered = httpx.post(
            backend.base_url + "/api/auth/register",
            json={"email": f"stall-{uuid.uuid4().hex[:8]}@example.com", "password": "pw long 123"},
        )
        headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
        started = time.monotonic()
        tested = httpx.post(
            backend.base_url + "/api/connections/test",
            json={"url": f"postgresql://u:pw@127.0.0.1:{fake.port}/x", "ssl_mode": "disable"},
            headers=headers,
            timeout=60,
        )
    assert tested.status_code == 422, tested.text
    assert tested.json()["error"] == "connection_failed"
    assert time.monotonic() - started < 5 + 5
