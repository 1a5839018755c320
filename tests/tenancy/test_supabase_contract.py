"""Supabase Auth through the official client, from a real backend, against a local GoTrue.

Contract: the GoTrue wire protocol the supabase client speaks (signup, token?grant_type=
password|refresh_token, logout, .well-known/jwks.json) and Supabase's access tokens (ES256 JWTs,
audience ``authenticated``, issuer ``<project>/auth/v1``, ``session_id`` claim).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from devkit.fake_supabase import FakeGoTrue, fake_supabase
from devkit.processes import RunningProcess, backend_command, free_port, run_service
from devkit.users import new_password, register

from tests.tenancy.conftest import backend_env


@pytest.fixture
def gotrue() -> Iterator[FakeGoTrue]:
    with fake_supabase() as fake:
        yield fake


ANON_KEY = "sb_publishable_" + secrets.token_hex(8)


@pytest.fixture
def sb_backend(pg_url: str, work_dir: Path, gotrue: FakeGoTrue) -> Iterator[RunningProcess]:
    env = backend_env(pg_url, SUPABASE_URL=gotrue.base_url, SUPABASE_ANON_KEY=ANON_KEY)
    env["LOG_LEVEL"] = "DEBUG"
    with run_service(
        backend_command(), env=env, health_path="/api/health", log_dir=work_dir
    ) as backend:
        yield backend


@pytest.fixture
def sb_api(sb_backend: RunningProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb_backend.base_url, timeout=30) as client:
        yield client


def _sign_up(api: httpx.Client) -> tuple[str, str, dict[str, object]]:
    account = register(api, f"sb-{uuid.uuid4().hex[:8]}@example.com")
    tokens = {"access_token": account.access_token, "refresh_token": account.refresh_token}
    return account.email, account.password, {**tokens, "user": {"id": account.id}}


def _auth(token: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_sign_up_sign_in_and_the_mirrored_user(
    sb_api: httpx.Client, gotrue: FakeGoTrue, pg_url: str
) -> None:
    email, password, signed_up = _sign_up(sb_api)
    assert "/auth/v1/signup" in gotrue.paths()
    me = sb_api.get("/api/auth/me", headers=_auth(signed_up["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email

    login = sb_api.post("/api/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    assert "/auth/v1/token?grant_type=password" in gotrue.paths()
    assert sb_api.get("/api/auth/me", headers=_auth(login.json()["access_token"])).is_success
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT provider, external_id, email FROM users").fetchall()
    assert rows == [("supabase", gotrue.users[email].id, email)]

    wrong = sb_api.post("/api/auth/login", json={"email": email, "password": new_password()})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_credentials"
    duplicate = sb_api.post("/api/auth/register", json={"email": email, "password": password})
    assert duplicate.status_code == 409


def test_refresh_rotates_and_sign_out_revokes(
    sb_api: httpx.Client, gotrue: FakeGoTrue, sb_backend: RunningProcess
) -> None:
    _, password, signed_up = _sign_up(sb_api)
    refreshed = sb_api.post("/api/auth/refresh", json={"refresh_token": signed_up["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert "/auth/v1/token?grant_type=refresh_token" in gotrue.paths()
    assert refreshed.json()["refresh_token"] != signed_up["refresh_token"]
    reused = sb_api.post("/api/auth/refresh", json={"refresh_token": signed_up["refresh_token"]})
    assert reused.status_code == 401

    access = refreshed.json()["access_token"]
    assert sb_api.get("/api/auth/me", headers=_auth(access)).status_code == 200
    assert sb_api.post("/api/auth/logout", headers=_auth(access)).status_code == 204
    assert any(path.startswith("/auth/v1/logout") for path in gotrue.paths())
    after = sb_api.get("/api/auth/me", headers=_auth(access))
    assert after.status_code == 401
    log = sb_backend.log()
    assert "/api/auth/logout" in log, "the access log is on"
    for secret in [ANON_KEY, password, access, signed_up["access_token"]]:
        assert str(secret) not in log
    for secret in [signed_up["refresh_token"], refreshed.json()["refresh_token"]]:
        assert str(secret) not in log


def test_expired_foreign_key_and_wrong_audience_tokens_are_rejected(
    sb_api: httpx.Client, gotrue: FakeGoTrue
) -> None:
    email, _, signed_up = _sign_up(sb_api)
    user = gotrue.users[email]
    valid = sb_api.get("/api/auth/me", headers=_auth(signed_up["access_token"]))
    assert valid.status_code == 200
    session_id = str(uuid.uuid4())
    cases = {
        "expired": gotrue.mint(user, session_id, ttl=-120),
        "another key": gotrue.mint(user, session_id, key=ec.generate_private_key(ec.SECP256R1())),
        "wrong audience": gotrue.mint(user, session_id, aud="anon"),
        "wrong issuer": gotrue.mint(user, session_id, iss="https://evil.example.com/auth/v1"),
    }
    for case, token in cases.items():
        response = sb_api.get("/api/auth/me", headers=_auth(token))
        assert response.status_code == 401, case
        assert response.json()["error"] == "invalid_token", case
    assert "expired" in sb_api.get("/api/auth/me", headers=_auth(cases["expired"])).json()["detail"]
    jwks_fetches = [p for p in gotrue.paths() if p.endswith("/jwks.json")]
    assert len(jwks_fetches) == 1, "signing keys are cached, not fetched per request"


def test_sign_up_needing_email_confirmation_says_so(
    sb_api: httpx.Client, gotrue: FakeGoTrue
) -> None:
    gotrue.confirm_email = True
    email, password = f"sb-{uuid.uuid4().hex[:8]}@example.com", new_password()
    response = sb_api.post("/api/auth/register", json={"email": email, "password": password})
    assert response.status_code == 403
    assert response.json()["error"] == "confirm_email"
    assert "inbox" in response.json()["detail"]


def test_unreachable_supabase_answers_503_not_500(pg_url: str, work_dir: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    env = backend_env(pg_url, SUPABASE_URL=dead, SUPABASE_ANON_KEY=ANON_KEY)
    creds = {"email": "down@example.com", "password": new_password()}
    with (
        run_service(backend_command(), env=env, health_path="/api/health", log_dir=work_dir) as b,
        httpx.Client(base_url=b.base_url, timeout=30) as api,
    ):
        login = api.post("/api/auth/login", json=creds)
        es256 = jwt.encode(
            {"sub": "x"}, ec.generate_private_key(ec.SECP256R1()), "ES256", {"kid": "k1"}
        )
        keys_down = api.get("/api/auth/me", headers=_auth(es256))
        symmetric = api.get("/api/auth/me", headers=_auth(jwt.encode({"sub": "x"}, "k" * 32)))
    assert login.status_code == 503
    assert login.json()["error"] == "unavailable"
    assert login.headers["Retry-After"]
    assert keys_down.status_code == 503
    assert symmetric.status_code == 401, "refused without fetching keys"
