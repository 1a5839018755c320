"""A fresh account on a running backend, the way a person signs up (``POST /api/auth/register``)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import httpx


def new_password() -> str:
    return "Pw-" + secrets.token_urlsafe(12)


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register(api: httpx.Client | str, email: str | None = None) -> Account:
    """Sign up a new account on the backend at ``api`` (a client, or its base URL)."""
    email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
    password = new_password()
    body = {"email": email, "password": password}
    if isinstance(api, str):
        response = httpx.post(api + "/api/auth/register", json=body, timeout=30)
    else:
        response = api.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    tokens = response.json()
    return Account(
        email, password, tokens["user"]["id"], tokens["access_token"], tokens["refresh_token"]
    )
