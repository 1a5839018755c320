"""Connections over HTTP against a real backend and a user's own PostgreSQL database.

Contract: the connections section of the HTTP API; credentials sealed at rest; key rotation
through ``python -m backend rotate-keys``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest
from backend.connections.service import sealing_context
from backend.core.crypto import DecryptionFailed, KeyRing
from devkit.keys import new_encryption_key
from devkit.processes import backend_command, clean_env, run_service

from tests.conftest import with_database
from tests.tenancy.conftest import UserDatabase, backend_env, bearer, register


def add_connection(api: httpx.Client, user: dict[str, str], db: UserDatabase) -> dict[str, object]:
    response = api.post(
        "/api/connections",
        json={"name": "Sales", "url": db.url, "ssl_mode": "disable"},
        headers=bearer(user),
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_parse_test_save_choose_tables_rescan_and_delete(
    api: httpx.Client, user_db: UserDatabase, pg_admin_url: str
) -> None:
    user = register(api)
    parsed = api.post("/api/connections/parse", json={"url": user_db.url}, headers=bearer(user))
    assert parsed.status_code == 200, parsed.text
    assert parsed.json()["password"] == "••••"
    assert user_db.password not in parsed.text

    tested = api.post(
        "/api/connections/test",
        json={"url": user_db.url, "ssl_mode": "disable"},
        headers=bearer(user),
    )
    assert tested.status_code == 200, tested.text
    assert tested.json()["ok"] is True
    assert tested.json()["table_count"] == 2

    created = add_connection(api, user, user_db)
    assert {t["name"]: t["enabled"] for t in created["tables"]} == {  # type: ignore[attr-defined]
        "regions": True,
        "sales": True,
    }
    listing = api.get("/api/connections", headers=bearer(user))
    assert [c["id"] for c in listing.json()["items"]] == [created["id"]]
    assert user_db.password not in listing.text

    path = f"/api/connections/{created['id']}"
    none = api.put(path + "/tables", json={"enabled": []}, headers=bearer(user))
    assert [t["enabled"] for t in none.json()["tables"]] == [False, False]
    one = api.put(path + "/tables", json={"enabled": ["sales"]}, headers=bearer(user))
    assert {t["name"]: t["enabled"] for t in one.json()["tables"]} == {
        "regions": False,
        "sales": True,
    }
    unknown = api.put(path + "/tables", json={"enabled": ["nope"]}, headers=bearer(user))
    assert unknown.status_code == 422
    needs_disabled = api.post(
        "/api/query",
        json={"sql": "SELECT name FROM regions", "connection_id": created["id"]},
        headers=bearer(user),
    )
    assert needs_disabled.status_code == 409, needs_disabled.text
    assert needs_disabled.json()["tables"] == ["regions"]

    with psycopg.connect(with_database(pg_admin_url, user_db.name), autocommit=True) as conn:
        conn.execute("CREATE TABLE targets (id int)")
        conn.execute(f'ALTER TABLE targets OWNER TO "{user_db.role}"')
    rescanned = api.post(path + "/scan", headers=bearer(user))
    assert rescanned.status_code == 200, rescanned.text
    assert {t["name"]: t["enabled"] for t in rescanned.json()["tables"]} == {
        "regions": False,
        "sales": True,
        "targets": True,
    }

    assert api.delete(path, headers=bearer(user)).status_code == 204
    assert api.get(path, headers=bearer(user)).status_code == 404
    assert api.get("/api/connections", headers=bearer(user)).json()["items"] == []


def test_env_upload_and_unreachable_database(api: httpx.Client, user_db: UserDatabase) -> None:
    user = register(api)
    env_text = f"APP=1\nDATABASE_URL={user_db.url}\n"
    parsed = api.post("/api/connections/parse", json={"env_text": env_text}, headers=bearer(user))
    assert parsed.status_code == 200, parsed.text
    refused = api.post(
        "/api/connections/test",
        json={"url": "postgresql://u:pw-unreachable@127.0.0.1:9/x", "ssl_mode": "disable"},
        headers=bearer(user),
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "connection_failed"
    assert "pw-unreachable" not in refused.text
    both = api.post(
        "/api/connections/parse",
        json={"url": user_db.url, "env_text": env_text},
        headers=bearer(user),
    )
    assert both.status_code == 422


def test_anonymous_visitors_cannot_use_connections(api: httpx.Client) -> None:
    response = api.get("/api/connections", headers={"X-Anonymous-ID": "visitor-12345"})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_rotate_keys_reseals_every_row_under_the_new_key_only(
    pg_url: str, work_dir: Path, user_db: UserDatabase
) -> None:
    old_key, new_key = new_encryption_key(), new_encryption_key()
    env = backend_env(pg_url, ENCRYPTION_KEY=old_key)
    with (
        run_service(backend_command(), env=env, health_path="/api/health", log_dir=work_dir) as b,
        httpx.Client(base_url=b.base_url, timeout=30) as api,
    ):
        users = [register(api), register(api)]
        for user in users:
            add_connection(api, user, user_db)

    rotate = subprocess.run(
        [sys.executable, "-m", "backend", "rotate-keys"],
        env=clean_env({**env, "ENCRYPTION_KEY": f"{new_key},{old_key}"}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert rotate.returncode == 0, rotate.stderr
    assert "re-encrypted 2 connection(s)" in rotate.stdout

    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT id, user_id, secret FROM connections").fetchall()
    assert len(rows) == 2
    only_new, only_old = KeyRing.parse(new_key), KeyRing.parse(old_key)
    for connection_id, user_id, secret in rows:
        context = sealing_context(user_id, connection_id)
        assert user_db.password.encode() in only_new.open(bytes(secret), context=context)
        assert only_new.is_current(bytes(secret))
        with pytest.raises(DecryptionFailed):
            only_old.open(bytes(secret), context=context)

    env_new = backend_env(pg_url, ENCRYPTION_KEY=new_key)
    with (
        run_service(
            backend_command(), env=env_new, health_path="/api/health", log_dir=work_dir
        ) as b,
        httpx.Client(base_url=b.base_url, timeout=30) as api,
    ):
        token = api.post(
            "/api/auth/login", json={"email": users[0]["email"], "password": users[0]["password"]}
        ).json()["access_token"]
        items = api.get("/api/connections", headers={"Authorization": f"Bearer {token}"})
        connection_id = items.json()["items"][0]["id"]
        scan = api.post(
            f"/api/connections/{connection_id}/scan", headers={"Authorization": f"Bearer {token}"}
        )
    assert scan.status_code == 200, scan.text


def test_swapped_ciphertexts_are_refused(
    api: httpx.Client, pg_url: str, user_db: UserDatabase
) -> None:
    alice, bob = register(api), register(api)
    a = add_connection(api, alice, user_db)
    b = add_connection(api, bob, user_db)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE connections SET secret = (SELECT secret FROM connections WHERE id = %s) "
            "WHERE id = %s",
            (b["id"], a["id"]),
        )
    scan = api.post(f"/api/connections/{a['id']}/scan", headers=bearer(alice))
    assert scan.status_code == 409
    assert scan.json()["error"] == "credentials_unreadable"
