"""/api/health against real processes: healthy, schema behind, and database unreachable."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
from devkit.keys import new_encryption_key
from devkit.processes import backend_command, run_service

from tests.conftest import with_database


def backend_env(pg_url: str) -> dict[str, str]:
    return {"DATABASE_URL": pg_url, "ENCRYPTION_KEY": new_encryption_key(), "API_HOST": "127.0.0.1"}


def test_health_is_ok_on_a_migrated_postgres(pg_url: str, work_dir: Path) -> None:
    with run_service(
        backend_command(), env=backend_env(pg_url), health_path="/api/health", log_dir=work_dir
    ) as backend:
        body = httpx.get(backend.base_url + "/api/health").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


def test_health_is_503_when_the_schema_is_behind(pg_url: str, work_dir: Path) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM alembic_version")
    with run_service(
        backend_command(),
        env=backend_env(pg_url),
        health_path="/api/health",
        log_dir=work_dir,
        ready_status=503,
    ) as backend:
        response = httpx.get(backend.base_url + "/api/health")
    assert response.json()["database"] == "behind"
    assert response.headers["Retry-After"]


def test_unreachable_database_is_503_then_recovers_without_restart(
    pg_admin_url: str, pg_url: str, work_dir: Path
) -> None:
    from backend.core.config import Settings, normalize_database_url
    from backend.data.database import make_engine, upgrade

    missing = with_database(pg_url, "eaa_not_created_yet")
    with run_service(
        backend_command(),
        env=backend_env(missing),
        health_path="/api/health",
        log_dir=work_dir,
        ready_status=503,
    ) as backend:
        assert httpx.get(backend.base_url + "/api/health").json()["database"] == "unreachable"
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE eaa_not_created_yet")
        engine = make_engine(Settings(), url=normalize_database_url(missing))
        upgrade(engine)
        engine.dispose()
        response = httpx.get(backend.base_url + "/api/health")
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE eaa_not_created_yet WITH (FORCE)")
    assert response.status_code == 200, response.text
    assert "hunter" not in backend.log()
