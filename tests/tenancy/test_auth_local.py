"""Local accounts against a real backend process and PostgreSQL: tokens, refresh, logout, rules.

Contract: the auth section of the HTTP API (register/login/refresh/logout/me/delete).
"""

from __future__ import annotations

from pathlib import Path

import httpx
from backend.accounts.throttle import MAX_ACCOUNT_FAILURES
from devkit.processes import backend_command, run_service
from devkit.users import new_password

from tests.tenancy.conftest import backend_env, bearer, register


def test_register_login_me_and_refresh_rotation(api: httpx.Client) -> None:
    user = register(api)
    me = api.get("/api/auth/me", headers=bearer(user))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == user["email"]
    assert me.json()["quota"]["limit"] == 100
    assert me.json()["quota"]["remaining"] == 100

    login = api.post("/api/auth/login", json={"email": user["email"], "password": user["password"]})
    assert login.status_code == 200, login.text
    refresh_token = login.json()["refresh_token"]

    rotated = api.post("/api/auth/refresh", json={"refresh_token": refresh_token})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["refresh_token"] != refresh_token
    fresh = {"Authorization": f"Bearer {rotated.json()['access_token']}"}
    assert api.get("/api/auth/me", headers=fresh).status_code == 200

    # Replaying the rotated-away token means a copy leaked: that whole sign-in ends.
    reused = api.post("/api/auth/refresh", json={"refresh_token": refresh_token})
    assert reused.status_code == 401
    assert reused.json()["error"] == "invalid_token"
    assert api.get("/api/auth/me", headers=fresh).status_code == 401
    newest = api.post("/api/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]})
    assert newest.status_code == 401
    assert api.get("/api/auth/me", headers=bearer(user)).status_code == 200, "other sign-ins live"


def test_logout_revokes_the_access_token_at_once(api: httpx.Client) -> None:
    user = register(api)
    assert api.post("/api/auth/logout", headers=bearer(user)).status_code == 204
    after = api.get("/api/auth/me", headers=bearer(user))
    assert after.status_code == 401
    assert "signed out" in after.json()["detail"]
    refresh = api.post("/api/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert refresh.status_code == 401


def test_missing_malformed_and_forged_tokens_are_401(api: httpx.Client) -> None:
    assert api.get("/api/auth/me").status_code == 401
    malformed = api.get("/api/auth/me", headers={"Authorization": "Token abc"})
    assert malformed.status_code == 401
    user = register(api)
    head, payload, signature = user["access_token"].split(".")
    forged = f"{head}.{payload}.{signature[::-1]}"
    response = api.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_password_rules_and_duplicate_email(api: httpx.Client) -> None:
    email = "rules@example.com"
    for weak, why in [
        ("short1A", "at least 10"),
        ("alllowercaseletters", "two kinds"),
        ("rules-Example-1", "email"),
    ]:
        response = api.post("/api/auth/register", json={"email": email, "password": weak})
        assert response.status_code == 422, weak
        assert response.json()["error"] == "weak_password"
        assert why in response.json()["detail"]
    register(api, email)
    again = api.post("/api/auth/register", json={"email": email, "password": new_password()})
    assert again.status_code == 409


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_account_lockout_holds_on_another_replica_and_hides_unknown_emails(
    api: httpx.Client, pg_url: str, work_dir: Path
) -> None:
    """A guess spread over many addresses (20 failures) locks the account, on every replica."""
    user = register(api)
    unknown = api.post(
        "/api/auth/login",
        json={"email": "nobody@example.com", "password": new_password()},
        headers=_from("198.51.100.200"),
    )
    for n in range(MAX_ACCOUNT_FAILURES):
        wrong = api.post(
            "/api/auth/login",
            json={"email": user["email"], "password": new_password()},
            headers=_from(f"198.51.100.{n}"),
        )
        assert wrong.status_code == 401
    assert unknown.status_code == 401
    assert unknown.json() == wrong.json()
    with run_service(
        backend_command(), env=backend_env(pg_url), health_path="/api/health", log_dir=work_dir
    ) as replica:
        locked = httpx.post(
            replica.base_url + "/api/auth/login",
            json={"email": user["email"], "password": user["password"]},
            headers=_from("198.51.100.99"),
        )
    assert locked.status_code == 429
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    assert locked.json()["error"] == "rate_limited"


def test_failures_from_one_address_do_not_lock_the_owner_out(api: httpx.Client) -> None:
    """Someone failing against another person's email locks only their own address."""
    user = register(api)
    for _ in range(5):
        wrong = api.post(
            "/api/auth/login",
            json={"email": user["email"], "password": new_password()},
            headers=_from("203.0.113.77"),
        )
        assert wrong.status_code == 401
    credentials = {"email": user["email"], "password": user["password"]}
    attacker = api.post("/api/auth/login", json=credentials, headers=_from("203.0.113.77"))
    assert attacker.status_code == 429
    owner = api.post("/api/auth/login", json=credentials, headers=_from("198.51.100.42"))
    assert owner.status_code == 200, owner.text


def test_address_lockout_covers_every_account_from_that_address(api: httpx.Client) -> None:
    user = register(api)
    for n in range(5):
        response = api.post(
            "/api/auth/login",
            json={"email": f"guess{n}@example.com", "password": new_password()},
            headers=_from("203.0.113.5"),
        )
        assert response.status_code == 401
    credentials = {"email": user["email"], "password": user["password"]}
    blocked = api.post("/api/auth/login", json=credentials, headers=_from("203.0.113.5"))
    assert blocked.status_code == 429
    elsewhere = api.post("/api/auth/login", json=credentials, headers=_from("203.0.113.6"))
    assert elsewhere.status_code == 200


def test_delete_account_removes_the_user(api: httpx.Client) -> None:
    user = register(api)
    assert api.delete("/api/auth/me", headers=bearer(user)).status_code == 204
    assert api.get("/api/auth/me", headers=bearer(user)).status_code == 401
    login = api.post("/api/auth/login", json={"email": user["email"], "password": user["password"]})
    assert login.status_code == 401
