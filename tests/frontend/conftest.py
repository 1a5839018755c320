"""One real backend (embedded defaults) and one real frontend per test module.

Gradio takes several seconds to import, so the pair is started once per module; tests keep
apart by signing up their own accounts and using their own anonymous ids.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from devkit.processes import (
    RunningProcess,
    backend_command,
    frontend_command,
    run_service,
)
from devkit.users import register
from gradio_client import Client


@dataclass(frozen=True)
class Stack:
    backend_url: str
    frontend_url: str
    backend: RunningProcess

    def client(self) -> Any:
        """A fresh gradio_client session (its own gr.State values)."""
        return Client(self.frontend_url + "/", verbose=False)

    def register(self) -> dict[str, str]:
        """A new account, returned as the session dict the page keeps in the browser."""
        account = register(self.backend_url)
        return {
            "access_token": account.access_token,
            "refresh_token": account.refresh_token,
            "email": account.email,
            "anon_id": anonymous_id(),
        }


def anonymous_id() -> str:
    return f"anon_{secrets.token_hex(8)}"


@contextmanager
def running_stack(work: Path, backend_env: Mapping[str, str]) -> Iterator[Stack]:
    """A backend with ``backend_env`` on top of embedded defaults, and a frontend using it."""
    with (
        # On embedded defaults the backend loads the demo before it answers (8 s on a busy
        # machine, more when several test runs share its cores).
        run_service(
            backend_command(), env=backend_env, health_path="/api/health", log_dir=work
        ) as backend,
        running_frontend(backend.base_url, work) as frontend,
    ):
        yield Stack(backend.base_url, frontend.base_url, backend)


def running_frontend(backend_url: str, work: Path) -> AbstractContextManager[RunningProcess]:
    return run_service(
        frontend_command(),
        env={"BACKEND_URL": backend_url},
        health_path="/",
        log_dir=work,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # Embedded defaults, plus: the test's PostgreSQL listens on a local socket.
    backend_env = {"CONNECTIONS_ALLOW_PRIVATE_HOSTS": "true"}
    with running_stack(tmp_path_factory.mktemp("stack"), backend_env) as running:
        yield running
