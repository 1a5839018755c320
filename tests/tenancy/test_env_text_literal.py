"""Pasted ``.env`` text is read literally and within bounds, by a real backend process.

Contract: ``POST /api/connections/parse`` and ``/test`` (services.connection_urls): ``${VAR}``
is never expanded, so nothing of the server's own environment reaches a parsed value or leaves
the server; parsing is linear in the input, with bounded lines, line length and total size
(422 ``invalid_connection`` beyond them).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devkit.processes import RunningProcess, backend_command, run_service

from tests.tenancy.conftest import backend_env, bearer, register

SERVER_SECRET = "server-only-value-7f3a9c"


@pytest.fixture
def secret_backend(pg_url: str, work_dir: Path) -> Iterator[RunningProcess]:
    env = backend_env(pg_url, EAA_TEST_SERVER_SECRET=SERVER_SECRET)
    with run_service(
        backend_command(), env=env, health_path="/api/health", log_dir=work_dir
    ) as process:
        yield process


@pytest.fixture
def client(secret_backend: RunningProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=secret_backend.base_url, timeout=30.0) as api:
        yield api


def test_references_to_the_servers_environment_stay_text(
    client: httpx.Client, secret_backend: RunningProcess
) -> None:
    user = register(client)
    env_text = (
        "PGHOST=8.8.8.8\n"
        "PGDATABASE=${EAA_TEST_SERVER_SECRET}\n"
        "PGUSER=${DATABASE_URL}\n"
        "PGPASSWORD=${ENCRYPTION_KEY}\n"
    )
    parsed = client.post(
        "/api/connections/parse", json={"env_text": env_text}, headers=bearer(user)
    )
    assert parsed.status_code == 200, parsed.text
    body = parsed.json()
    assert body["database"] == "${EAA_TEST_SERVER_SECRET}"
    assert body["username"] == "${DATABASE_URL}"
    assert SERVER_SECRET not in parsed.text
    assert "postgresql" not in body["username"]
    assert SERVER_SECRET not in secret_backend.log()


def test_nested_references_do_not_grow(client: httpx.Client) -> None:
    """Each line doubling the last: expanded, 22 lines make a 4-million-character value."""
    user = register(client)
    lines = ["A0=x"] + [f"A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 23)]
    env_text = "\n".join([*lines, "PGHOST=8.8.8.8", "PGUSER=u", "PGDATABASE=${A22}"])
    started = time.monotonic()
    parsed = client.post(
        "/api/connections/parse", json={"env_text": env_text}, headers=bearer(user)
    )
    assert time.monotonic() - started < 5
    assert parsed.status_code == 200, parsed.text[:200]
    assert parsed.json()["database"] == "${A22}"
    assert len(parsed.content) < 2000


@pytest.mark.parametrize(
    ("env_text", "message"),
    [
        ("PGHOST=h\n" + "X=1\n" * 300, "too long"),
        ("PGHOST=h\nPGUSER=" + "u" * 5000 + "\n", "longer than"),
    ],
)
def test_oversized_env_text_is_refused_with_a_reason(
    client: httpx.Client, env_text: str, message: str
) -> None:
    user = register(client)
    refused = client.post(
        "/api/connections/parse", json={"env_text": env_text}, headers=bearer(user)
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "invalid_connection"
    assert message in refused.json()["detail"]
