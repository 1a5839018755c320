"""With nothing configured, the product runs on embedded SQLite and the frontend sees it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
from devkit.processes import backend_command, frontend_command, run_service
from gradio_client import Client


def test_backend_and_frontend_run_on_embedded_defaults(work_dir: Path) -> None:
    with run_service(
        backend_command(), env={}, health_path="/api/health", log_dir=work_dir
    ) as backend:
        health = httpx.get(backend.base_url + "/api/health").json()
        assert health == {**health, "status": "ok", "database": "ok"}
        database = work_dir / "data" / "app.sqlite"
        assert database.is_file()
        with sqlite3.connect(database) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert {"users", "connections", "query_history", "alembic_version"} <= tables

        with run_service(
            frontend_command(),
            env={"BACKEND_URL": backend.base_url},
            health_path="/",
            log_dir=work_dir,
            timeout=60,
        ) as frontend:
            status = Client(frontend.base_url + "/", verbose=False).predict(api_name="/status")
    assert "healthy" in status


def test_frontend_reports_a_down_backend_and_keeps_serving(work_dir: Path) -> None:
    with run_service(
        frontend_command(),
        env={"BACKEND_URL": "http://127.0.0.1:9"},
        health_path="/",
        log_dir=work_dir,
        timeout=60,
    ) as frontend:
        client = Client(frontend.base_url + "/", verbose=False)
        first = client.predict(api_name="/status")
        second = client.predict(api_name="/status")
        assert frontend.process.poll() is None
    assert "unreachable" in first
    assert "unreachable" in second
