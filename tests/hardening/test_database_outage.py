"""The app database goes away and comes back while people keep asking: no restart needed.

Contract: while PostgreSQL is down, ``/api/health`` answers 503 and every other request answers
503 with ``Retry-After`` and a readable message (never a 500 or a hang); once the server is back
the same backend process answers 200 again by itself. Real processes: a dedicated throwaway
PostgreSQL (stopped and started with pg_ctl) and the backend started as the deploy starts it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from devkit.postgres import PostgresServer, throwaway_server
from devkit.processes import RunningProcess

from tests.hardening.conftest import BackendStarter


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test alone, since the test stops it."""
    from backend.core.config import Settings, normalize_database_url
    from backend.data.database import make_engine, upgrade
    from backend.demo.load import load_postgres

    with throwaway_server() as server:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE app")
        engine = make_engine(Settings(), url=normalize_database_url(server.url("app")))
        upgrade(engine)
        load_postgres(engine)
        engine.dispose()
        yield server


def _ask(client: httpx.Client, token: str, question: str) -> httpx.Response:
    return client.post(
        "/api/query",
        json={"question": question},
        headers={"Authorization": f"Bearer {token}"},
    )


def _sign_up(client: httpx.Client) -> str:
    response = client.post(
        "/api/auth/register",
        json={
            "email": f"outage-{uuid.uuid4().hex[:8]}@example.com",
            "password": "long enough pw 1",
        },
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["access_token"]
    return token


def _round(client: httpx.Client, token: str) -> list[httpx.Response]:
    """One round of a user's traffic: health, a question, their profile."""
    return [
        client.get("/api/health"),
        _ask(client, token, "How many loans are there?"),
        client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}),
    ]


def _wait_for(backend: RunningProcess, status: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(backend.base_url + "/api/health", timeout=10).status_code == status:
            return
        time.sleep(0.2)
    raise TimeoutError(f"health never answered {status}")


def test_requests_fail_clearly_while_postgres_is_down_and_recover_by_themselves(
    own_server: PostgresServer, start_backend: BackendStarter
) -> None:
    extra = {"FREE_MONTHLY_QUOTA": "1000", "RATE_LIMIT_USER_PER_MINUTE": "0"}
    with (
        start_backend(own_server.url("app"), **extra) as backend,
        httpx.Client(base_url=backend.base_url, timeout=20) as client,
    ):
        token = _sign_up(client)
        before = _round(client, token)

        # A user keeps asking from another thread the whole time.
        asked: list[int] = []
        stop = threading.Event()

        def keep_asking() -> None:
            with httpx.Client(base_url=backend.base_url, timeout=20) as own:
                while not stop.is_set():
                    asked.append(_ask(own, token, "Average interest rate by grade").status_code)

        asker = threading.Thread(target=keep_asking)
        asker.start()
        time.sleep(0.5)
        own_server.stop()
        started = time.monotonic()
        during = _round(client, token) + _round(client, token)
        down_for = time.monotonic() - started
        time.sleep(2)  # keep the outage long enough for the background asker to meet it
        own_server.start()
        _wait_for(backend, 200, timeout=15)
        after = _round(client, token)
        time.sleep(0.5)
        stop.set()
        asker.join(timeout=30)
        history = client.get("/api/history", headers={"Authorization": f"Bearer {token}"})
        log = backend.log()

    assert [r.status_code for r in before] == [200, 200, 200], [r.text for r in before]
    assert [r.status_code for r in during] == [503] * 6, [r.text for r in during]
    for response in during:
        assert response.headers["Retry-After"].isdigit()
    for health in during[::3]:
        assert health.json()["database"] == "unreachable"
    for response in during[1:3] + during[4:6]:
        assert response.json()["error"] in {"unavailable", "database_unreachable"}
        assert "retry" in response.json()["detail"].lower()
    assert down_for < 30  # failed fast; no request hung on the dead database
    assert [r.status_code for r in after] == [200, 200, 200], [r.text for r in after]
    # The background run saw only answers and clear 503s (a question in flight may also ride
    # out the outage on the executor's retries), and answers again after the outage.
    assert set(asked) <= {200, 503}, asked
    assert len(asked) >= 3
    assert asked[-1] == 200
    # Nothing lost: every answered question is in the history, once.
    answered = asked.count(200) + 2  # plus the question of `before` and of `after`
    assert history.status_code == 200
    assert history.json()["total"] == answered
    assert "Traceback" not in log
