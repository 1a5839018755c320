"""Two backend replicas on one real PostgreSQL (no shared disk between them), and a look at
what the app database holds for uploads: schemas, roles and rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from devkit.processes import backend_command, run_service

from tests.tenancy.conftest import backend_env

# Small limits, so the size limit and the allowance are reached with small files.
MAX_FILE_BYTES = 150_000
ALLOWANCE_BYTES = 250_000


@dataclass(frozen=True)
class Replicas:
    first: httpx.Client
    second: httpx.Client


@pytest.fixture(scope="module")
def replicas(module_pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    """Started once per module (two starts per test would cost most of the run): the tests
    share one database and compare what is left before and after, never expect it empty."""
    tmp_path = tmp_path_factory.mktemp("replicas")
    env = backend_env(
        module_pg_url,
        UPLOAD_MAX_BYTES=str(MAX_FILE_BYTES),
        UPLOAD_ALLOWANCE_BYTES=str(ALLOWANCE_BYTES),
    )
    with ExitStack() as stack:
        clients = []
        for name in ("first", "second"):
            folder = tmp_path / name  # each replica its own working folder and DATA_DIR
            folder.mkdir()
            process = stack.enter_context(
                run_service(
                    backend_command(),
                    env={**env, "DATA_DIR": str(folder / "data")},
                    health_path="/api/health",
                    log_dir=folder,
                    timeout=60,
                )
            )
            clients.append(
                stack.enter_context(httpx.Client(base_url=process.base_url, timeout=60.0))
            )
        yield Replicas(*clients)


@dataclass(frozen=True)
class Leftovers:
    """What uploads have left in the app database (schemas and roles by name, rows counted)."""

    schemas: frozenset[str]
    roles: frozenset[str]
    uploads: int
    connections: int


def leftovers(pg_url: str) -> Leftovers:
    return Leftovers(
        frozenset(upload_schemas(pg_url)),
        frozenset(upload_roles(pg_url)),
        count_rows(pg_url, "uploads"),
        count_rows(pg_url, "connections"),
    )


def upload_schemas(pg_url: str) -> list[str]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'upload\\_%' ORDER BY 1"
        ).fetchall()
    return [str(row[0]) for row in rows]


def upload_roles(pg_url: str) -> set[str]:
    """Upload roles are cluster-wide: compare before and after, not against empty."""
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'upload\\_%'")
        return {str(row[0]) for row in rows.fetchall()}


def count_rows(pg_url: str, table: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # a fixed app table
    assert row is not None
    return int(row[0])


def column_types(pg_url: str, schema: str, table: str) -> dict[str, str]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (schema, table),
        ).fetchall()
    return {str(name): str(kind) for name, kind in rows}
