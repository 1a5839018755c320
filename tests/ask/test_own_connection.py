"""Questions on a user's own PostgreSQL database through the real API: the offline engine
works on a schema it has never seen, only enabled tables are used, and a connection is its
owner's alone. Contract: POST /api/query with a connection id (contracts.md, Ask)."""

from __future__ import annotations

from pathlib import Path

import httpx
from devkit.keys import new_encryption_key
from devkit.processes import backend_command, run_service

from tests.ask.test_query_api import QUIET, register
from tests.tenancy.conftest import UserDatabase, user_db

__all__ = ["user_db"]  # the tenancy fixture: a database with regions and sales tables


def test_questions_on_an_own_database_respect_enabled_tables_and_ownership(
    pg_url: str, user_db: UserDatabase, work_dir: Path
) -> None:
    env = {
        "DATABASE_URL": pg_url,
        "ENCRYPTION_KEY": new_encryption_key(),
        "CONNECTIONS_ALLOW_PRIVATE_HOSTS": "true",
        **QUIET,
    }
    with (
        run_service(
            backend_command(), env=env, health_path="/api/health", log_dir=work_dir
        ) as backend,
        httpx.Client(base_url=backend.base_url, timeout=60.0) as api,
    ):
        owner = register(api)
        created = api.post(
            "/api/connections",
            json={"name": "sales db", "url": user_db.url, "ssl_mode": "disable"},
            headers=owner,
        )
        assert created.status_code == 201, created.text
        connection = created.json()["id"]

        def ask(body: dict[str, str], who: dict[str, str] = owner) -> httpx.Response:
            return api.post("/api/query", json={**body, "connection_id": connection}, headers=who)

        by_region = ask({"question": "Total amount by region"})
        assert by_region.status_code == 200, by_region.text
        assert by_region.json()["columns"] == ["name", "total_amount"]
        assert sorted(by_region.json()["rows"]) == [["North", 6500.0], ["South", 6250.0]]

        monthly = ask({"question": "Monthly sales count"})
        assert monthly.status_code == 200, monthly.text
        assert monthly.json()["rows"] == [["2026-01", 30], ["2026-02", 20]]
        assert monthly.json()["chart"]["type"] == "line"

        narrowed = api.put(
            f"/api/connections/{connection}/tables", json={"enabled": ["sales"]}, headers=owner
        )
        assert narrowed.status_code == 200, narrowed.text
        hidden = ask({"question": "Total amount by region"})
        assert hidden.status_code == 409  # answerable once regions is switched back on
        assert hidden.json()["tables"] == ["regions"]
        assert ask({"question": "Total amount by galaxy"}).json()["error"] == "unanswerable"
        disabled = ask({"sql": "SELECT name FROM regions"})
        assert disabled.status_code == 409
        assert disabled.json()["tables"] == ["regions"]

        stranger = register(api)
        assert ask({"question": "Monthly sales count"}, stranger).status_code == 404
