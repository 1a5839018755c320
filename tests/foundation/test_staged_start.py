"""The server answers /api/health before the full app is imported, and nothing else is lost.

Contract (``backend.serving``): while the app is still being built, ``/api/health`` gives the
app's own answer (status, database state, version; 503 with ``Retry-After`` when the database is
unreachable or behind); any other request waits for the app and is answered by it, never
refused for the start-up. The in-process checks drive the ASGI app with no lifespan, so the app
is never built and only the early health can answer; the process check uses the deploy's start.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from devkit.keys import new_encryption_key
from devkit.processes import backend_command, clean_env, free_port

from tests.conftest import with_database


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ENCRYPTION_KEY", new_encryption_key())
    monkeypatch.setenv("DATA_DIR", str(tmp_path))


def _early_health(database_url: str) -> httpx.Response:
    from backend.core.config import Settings
    from backend.serving import StagedApp

    app = StagedApp(Settings(database_url=database_url))

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/api/health")

    return asyncio.run(ask())


@pytest.mark.usefixtures("env")
def test_early_health_reads_the_database_without_the_app(pg_url: str) -> None:
    response = _early_health(pg_url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["version"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]
    assert response.headers["x-backend-starting"] == "1"


def test_what_answers_first_imports_no_orm_routes_or_engines() -> None:
    """The import cost the early health saves: none of these are loaded to serve it."""
    heavy = ["sqlalchemy", "alembic", "sqlglot", "fastapi", "backend.main", "backend.data.models"]
    probe = (
        f"import sys, backend.serving; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


@pytest.mark.usefixtures("env")
def test_early_health_is_503_when_behind_or_unreachable(pg_url: str) -> None:
    unreachable = _early_health(with_database(pg_url, "eaa_never_created"))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM alembic_version")
    behind = _early_health(pg_url)
    assert unreachable.status_code == behind.status_code == 503
    assert unreachable.json()["database"] == "unreachable"
    assert behind.json()["database"] == "behind"
    assert unreachable.headers["Retry-After"] == behind.headers["Retry-After"] == "5"


def test_requests_during_the_build_wait_for_the_app(pg_url: str, work_dir: Path) -> None:
    port = free_port()
    env = {"DATABASE_URL": pg_url, "ENCRYPTION_KEY": new_encryption_key(), "PORT": str(port)}
    base_url = f"http://127.0.0.1:{port}"
    with (work_dir / "backend.log").open("wb") as log:
        process = subprocess.Popen(backend_command(), env=clean_env(env), stdout=log, stderr=log)
    try:
        first = _first_health(base_url, process)
        # Sent the moment health first answers, while the app is still being imported.
        examples = httpx.get(base_url + "/api/examples", timeout=60)
        later = httpx.get(base_url + "/api/health", timeout=10)
    finally:
        process.terminate()
        process.wait(30)
    assert first.status_code == 200
    assert first.headers.get("X-Backend-Starting") == "1"
    assert examples.status_code == 200, examples.text
    assert examples.json()["questions"]
    assert later.status_code == 200
    assert "X-Backend-Starting" not in later.headers
    assert later.json().keys() == first.json().keys()


def _first_health(base_url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return httpx.get(base_url + "/api/health", timeout=10)
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("the backend never answered /api/health")
