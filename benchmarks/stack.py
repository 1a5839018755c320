"""The services the benchmarks measure: the app database prepared, and the deploy's processes.

One throwaway PostgreSQL holds the app database and the demo data; the backend and frontend are
started with the deploy's own commands on loopback, the frontend talking to that backend.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from devkit.processes import REPO_ROOT, backend_command, frontend_command

from benchmarks.common import Service, backend_settings, source_path, started


def prepare_database(admin_url: str, app_url: str) -> str:
    """Create, migrate and load the demo into the app database; return the server version."""
    from backend.core.config import Settings, normalize_database_url
    from backend.data.database import make_engine, upgrade
    from backend.demo import load

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE app")
        version = conn.execute("SHOW server_version").fetchone()
    engine = make_engine(Settings(), url=normalize_database_url(app_url))
    try:
        upgrade(engine)
        load.load_postgres(engine)
    finally:
        engine.dispose()
    return str(version[0]) if version else "?"


def backend_env(app_url: str, work: Path) -> dict[str, str]:
    """A deployed backend on ``app_url`` whose limits let the load tests' users ask as much as
    they can."""
    return {**backend_settings(work), "DATABASE_URL": app_url, "PYTHONPATH": python_path()}


def python_path() -> str:
    """The repository (for the baseline apps) ahead of whatever path the caller runs with."""
    return os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))


@contextmanager
def running_backend(env: dict[str, str], work: Path) -> Iterator[Service]:
    """The backend with its whole app built (not only the early health check)."""
    with started(
        backend_command(), env=env, ready_path="/api/health", log_path=work / "backend.log"
    ) as backend:
        backend.wait_whole("/api/health")
        yield backend


@contextmanager
def running_frontend(backend_url: str, work: Path, root: Path | None = None) -> Iterator[Service]:
    """The web app in front of ``backend_url`` (an unreachable one serves pages only); that of
    checkout ``root`` if given."""
    with started(
        frontend_command(),
        env={
            "BACKEND_URL": backend_url,
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "PYTHONPATH": source_path(root) if root else python_path(),
        },
        ready_path="/",
        log_path=work / "frontend.log",
    ) as frontend:
        yield frontend
