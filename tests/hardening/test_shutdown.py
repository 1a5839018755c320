"""Graceful shutdown of the backend: SIGTERM drains in-flight requests, then exits 0.

Contract: on SIGTERM uvicorn stops accepting connections, lets requests already running finish
within SHUTDOWN_GRACE_SECONDS, closes the pools in the lifespan and exits with status 0 — so a
deploy that replaces the process drops no request. The in-flight request is made slow by the
test itself, from outside the product: it holds an exclusive lock on the app database's
``alembic_version`` table (as a migration would), which the health check must read.
"""

from __future__ import annotations

import signal
import socket
import threading
import time

import httpx
import psycopg

from tests.hardening.conftest import BackendStarter

BACKEND_APP = "eaa-backend"


def _wait_until_blocked(conn: psycopg.Connection[tuple[object, ...]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND wait_event_type = 'Lock'",
            (BACKEND_APP,),
        ).fetchone()
        if waiting and waiting[0]:
            return
        time.sleep(0.05)
    raise TimeoutError("the backend never waited on the lock")


def _refuses_connections(base_url: str, timeout: float) -> bool:
    host, port = base_url.removeprefix("http://").split(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=0.5).close()
        except OSError:
            return True
        time.sleep(0.05)
    return False


def test_sigterm_finishes_the_in_flight_request_and_exits_zero(
    pg_url: str, start_backend: BackendStarter
) -> None:
    with start_backend(pg_url, SHUTDOWN_GRACE_SECONDS="20") as backend:
        results: list[httpx.Response | BaseException] = []

        def slow_request() -> None:
            try:
                results.append(httpx.get(backend.base_url + "/api/health", timeout=30))
            except BaseException as error:  # reported by the assertion below
                results.append(error)

        with psycopg.connect(pg_url) as locker, psycopg.connect(pg_url, autocommit=True) as spy:
            locker.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
            worker = threading.Thread(target=slow_request)
            worker.start()
            _wait_until_blocked(spy, timeout=10)

            backend.process.send_signal(signal.SIGTERM)
            # New connections are refused while the old request is still waiting.
            assert _refuses_connections(backend.base_url, timeout=5)
            assert backend.process.poll() is None
            locker.commit()  # release the lock: the request can finish now

        worker.join(timeout=30)
        exit_code = backend.process.wait(timeout=30)

    assert len(results) == 1
    response = results[0]
    assert isinstance(response, httpx.Response), response
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert exit_code == 0
    assert "Finished server process" in backend.log()
