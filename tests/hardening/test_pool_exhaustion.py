"""Busy databases answer 503 with ``Retry-After``, never 500, and exports do not hold them.

Contract: targets.gate (``TARGET_MAX_CONCURRENT`` operations per database; more wait up to
``USER_DB_QUEUE_TIMEOUT_SECONDS``, then answer 503 ``database_busy``), api/errors (an exhausted
SQLAlchemy pool answers 503 ``busy`` with ``Retry-After``), services.executor.stream_readonly (a
CSV export reads its rows to the caps and returns the connection before the first byte is sent, so
unread downloads hold none). Real backend processes on production defaults and real PostgreSQL,
except the handler contract, which runs our error handlers on a real pool that has run out.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from backend.api.errors import install_error_handlers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.pool import QueuePool

from tests.hardening.conftest import BackendStarter

SLOW_SQL = "SELECT count(*) FROM loans a CROSS JOIN loans b"


def _signed_in(base: str) -> dict[str, str]:
    registered = httpx.post(
        base + "/api/auth/register",
        json={"email": f"pool-{uuid.uuid4().hex[:8]}@example.com", "password": "long pw 12345"},
    )
    assert registered.status_code == 201, registered.text
    return {"Authorization": f"Bearer {registered.json()['access_token']}"}


def test_sixteen_slow_demo_questions_get_answers_or_503_never_500(
    pg_url: str, start_backend: BackendStarter
) -> None:
    with start_backend(pg_url, QUERY_TIMEOUT_SECONDS="12") as backend:
        headers = _signed_in(backend.base_url)

        def ask(_: int) -> httpx.Response:
            return httpx.post(
                backend.base_url + "/api/query",
                json={"sql": SLOW_SQL},
                headers=headers,
                timeout=60,
            )

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(ask, range(16)))
        health = httpx.get(backend.base_url + "/api/health")
    statuses = [a.status_code for a in answers]
    assert 500 not in statuses, [a.text for a in answers if a.status_code == 500]
    assert set(statuses) <= {422, 503}, statuses
    busy = [a for a in answers if a.status_code == 503]
    assert len(busy) >= 16 - 5
    assert all(a.json()["error"] == "database_busy" and a.headers["Retry-After"] for a in busy)
    assert health.status_code == 200


def test_unread_csv_downloads_do_not_hold_connections(
    pg_url: str, start_backend: BackendStarter
) -> None:
    # 3 copies of every loan: a CSV of ~100,000 rows, far more than socket buffers hold.
    big = (
        "SELECT a.*, b.loan_id AS copy FROM loans a "
        "CROSS JOIN (SELECT loan_id FROM loans LIMIT 3) b"
    )
    with start_backend(pg_url) as backend:
        base = backend.base_url
        headers = _signed_in(base)
        asked = httpx.post(base + "/api/query", json={"sql": big}, headers=headers, timeout=60)
        assert asked.status_code == 200, asked.text[:300]
        item = asked.json()["id"]
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            downloads = []
            try:
                for _ in range(11):  # more than the demo pool's 10 connections
                    stream = client.stream("GET", f"/api/history/{item}/csv")
                    response = stream.__enter__()
                    downloads.append((stream, response))
                    assert response.status_code == 200, response.read()[:300]
                    assert response.headers["content-type"].startswith("text/csv")
                other = httpx.post(
                    base + "/api/query",
                    json={"sql": "SELECT count(*) AS n FROM loans"},
                    headers=_signed_in(base),
                    timeout=30,
                )
            finally:
                for stream, _ in downloads:
                    stream.__exit__(None, None, None)
    assert other.status_code == 200, other.text
    assert other.json()["rows"] == [[50_000]]


def test_an_exhausted_pool_answers_503_with_retry_after() -> None:
    engine = create_engine(
        "sqlite://", poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=0.2
    )
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/work")
    def work() -> dict[str, str]:
        with engine.connect():
            return {"ok": "yes"}

    held = engine.connect()
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/work")
    finally:
        held.close()
        engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"] == "busy"
