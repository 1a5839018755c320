"""One real backend (embedded defaults) and one real frontend per test module.

Gradio takes several seconds to import, so the pair is started once per module; tests keep
apart by signing up their own accounts and using their own anonymous ids.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from gradio_client import Client

from tests.support.processes import backend_command, frontend_command, run_service


@dataclass(frozen=True)
class Stack:
    backend_url: str
    frontend_url: str

    def client(self) -> Any:
        """A fresh gradio_client session (its own gr.State values)."""
        return Client(self.frontend_url + "/", verbose=False)

    def register(self) -> dict[str, str]:
        """A new account, returned as the session dict the page keeps in the browser."""
        email = f"user-{secrets.token_hex(4)}@example.com"
        response = httpx.post(
            self.backend_url + "/api/auth/register",
            json={"email": email, "password": "correct horse battery staple"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return {
            "access_token": body["access_token"],
            "refresh_token": body["refresh_token"],
            "email": email,
            "anon_id": anonymous_id(),
        }


def anonymous_id() -> str:
    return f"anon_{secrets.token_hex(8)}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("stack")
    with (
        run_service(
            backend_command(),
            # Embedded defaults, plus: the test's PostgreSQL listens on a local socket.
            env={"CONNECTIONS_ALLOW_PRIVATE_HOSTS": "true"},
            health_path="/api/health",
            log_dir=work,
        ) as backend,
        run_service(
            frontend_command(),
            env={"BACKEND_URL": backend.base_url},
            health_path="/",
            log_dir=work,
            timeout=90,
        ) as frontend,
    ):
        yield Stack(backend.base_url, frontend.base_url)
