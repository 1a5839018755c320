"""No secret reaches the logs or a response it does not belong to, over a full user journey.

Contract: database passwords, ENCRYPTION_KEY, tokens and user passwords never appear in the
backend's output (at DEBUG level) nor in any response, except the tokens in the bodies of the
auth responses that issue them; the stored connection row holds the password only sealed.
"""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import psycopg
from devkit.keys import new_encryption_key
from devkit.processes import backend_command, run_service
from devkit.users import new_password
from sqlalchemy.engine import make_url

from tests.tenancy.conftest import UserDatabase, backend_env

ISSUING = {"/api/auth/register", "/api/auth/login", "/api/auth/refresh"}


def test_full_flow_leaks_no_secret(pg_url: str, work_dir: Path, user_db: UserDatabase) -> None:
    app_db_password = "app-db-" + new_password()
    app_url = make_url(pg_url).set(password=app_db_password).render_as_string(False)
    old_key, key = new_encryption_key(), new_encryption_key()
    env = backend_env(app_url, ENCRYPTION_KEY=f"{key},{old_key}", LOG_LEVEL="DEBUG")
    email, password = "journey@example.com", new_password()
    exchanges: list[httpx.Response] = []

    with (
        run_service(backend_command(), env=env, health_path="/api/health", log_dir=work_dir) as b,
        httpx.Client(
            base_url=b.base_url, timeout=60, event_hooks={"response": [exchanges.append]}
        ) as api,
    ):
        creds = {"email": email, "password": password}
        api.post("/api/auth/register", json=creds)
        login = api.post("/api/auth/login", json=creds).json()
        auth = {"Authorization": f"Bearer {login['access_token']}"}
        source = {"url": user_db.url, "ssl_mode": "disable"}
        api.post("/api/connections/parse", json=source, headers=auth)
        api.post("/api/connections/test", json=source, headers=auth)
        conn = api.post("/api/connections", json={**source, "name": "Mine"}, headers=auth).json()
        api.get("/api/connections", headers=auth)
        asked = api.post(
            "/api/query",
            json={"question": "total amount by region", "connection_id": conn["id"]},
            headers=auth,
        ).json()
        api.post("/api/query", json={"sql": "SELECT 1 FROM pg_shadow"}, headers=auth)
        api.get("/api/history", headers=auth)
        api.get(f"/api/history/{asked['id']}/csv", headers=auth)
        refreshed = api.post("/api/auth/refresh", json={"refresh_token": login["refresh_token"]})
        api.post("/api/auth/logout", headers=auth)
        api.get("/api/auth/me", headers=auth)
        api.post("/api/auth/login", json={"email": email, "password": password + "x"})
    log = b.log()

    statuses = {(r.request.method, r.request.url.path): r.status_code for r in exchanges}
    assert statuses[("GET", f"/api/history/{asked['id']}/csv")] == 200
    assert statuses[("POST", "/api/auth/logout")] == 204
    assert all(status < 500 for status in statuses.values()), statuses

    tokens = {login["access_token"], login["refresh_token"]}
    tokens |= {refreshed.json()["access_token"], refreshed.json()["refresh_token"]}
    secrets = {
        "user database password": user_db.password,
        "app database password": app_db_password,
        "encryption key": key,
        "old encryption key": old_key,
        "user password": password,
    }
    for raw in (key, old_key):
        secrets[f"key bytes of {raw[:4]}"] = base64.b64encode(
            base64.urlsafe_b64decode(raw)
        ).decode()
    for n, token in enumerate(tokens):
        secrets[f"token {n}"] = token

    assert log.strip(), "the backend logged nothing to check"
    for name, value in secrets.items():
        assert value not in log, f"{name} in the backend log"
    for response in exchanges:
        issued = response.request.url.path in ISSUING
        visible = response.text + str(response.headers)
        for name, value in secrets.items():
            if issued and value in tokens:
                continue
            assert value not in visible, f"{name} in {response.request.url.path}"

    with psycopg.connect(pg_url) as db:
        stored = db.execute("SELECT display_url, secret FROM connections").fetchone()
    assert stored is not None
    assert user_db.password not in stored[0]
    assert user_db.password.encode() not in bytes(stored[1])
