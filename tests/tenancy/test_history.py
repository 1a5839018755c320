"""History over HTTP: paging, feedback values, and the CSV export's cap and cell escaping.

Contract: the history section of the HTTP API; CSV rows capped by CSV_ROW_CAP and cells that a
spreadsheet would run as formulas written as text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
from devkit.processes import backend_command, run_service

from tests.tenancy.conftest import UserDatabase, backend_env, bearer, register
from tests.tenancy.test_connections import add_connection

CSV_CAP = 10


def test_paging_feedback_and_capped_escaped_csv(
    pg_url: str, work_dir: Path, user_db: UserDatabase
) -> None:
    env = backend_env(pg_url, CSV_ROW_CAP=str(CSV_CAP))
    with (
        run_service(backend_command(), env=env, health_path="/api/health", log_dir=work_dir) as b,
        httpx.Client(base_url=b.base_url, timeout=60) as api,
    ):
        user = register(api)
        conn = add_connection(api, user, user_db)

        def ask(sql: str) -> str:
            response = api.post(
                "/api/query", json={"sql": sql, "connection_id": conn["id"]}, headers=bearer(user)
            )
            assert response.status_code == 200, response.text
            return str(response.json()["id"])

        everything = ask("SELECT id, amount FROM sales ORDER BY id")
        formula = ask("SELECT '=HYPERLINK(1)' AS f, '-2' AS g, 3 AS h")
        third = ask("SELECT count(*) AS n FROM regions")

        first = api.get("/api/history?page=1&page_size=2", headers=bearer(user)).json()
        second = api.get("/api/history?page=2&page_size=2", headers=bearer(user)).json()
        assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
        assert [i["id"] for i in first["items"] + second["items"]] == [third, formula, everything]
        assert api.get("/api/history?page_size=101", headers=bearer(user)).status_code == 422
        assert api.get("/api/history?page=0", headers=bearer(user)).status_code == 422

        path = f"/api/history/{third}/feedback"
        assert api.put(path, json={"value": 2}, headers=bearer(user)).status_code == 422
        assert api.put(path, json={"value": -1}, headers=bearer(user)).status_code == 204
        items = api.get("/api/history", headers=bearer(user)).json()["items"]
        assert items[0]["feedback"] == -1

        capped = api.get(f"/api/history/{everything}/csv", headers=bearer(user))
        escaped = api.get(f"/api/history/{formula}/csv", headers=bearer(user))

    assert capped.status_code == 200
    assert capped.headers["content-type"].startswith("text/csv")
    assert "attachment" in capped.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(capped.text)))
    assert rows[0] == ["id", "amount"]
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, CSV_CAP + 1)]
    assert list(csv.reader(io.StringIO(escaped.text)))[1] == ["'=HYPERLINK(1)", "'-2", "3"]


def test_embedded_defaults_run_local_accounts_with_lockout(work_dir: Path) -> None:
    """With nothing configured: SQLite app database, a generated key file, the same rules,
    and a demo answer exported as CSV."""
    with (
        run_service(backend_command(), env={}, health_path="/api/health", log_dir=work_dir) as b,
        httpx.Client(base_url=b.base_url, timeout=120) as api,
    ):
        user = register(api)
        assert api.get("/api/auth/me", headers=bearer(user)).status_code == 200
        sql = "SELECT grade, COUNT(*) AS n FROM loans GROUP BY grade ORDER BY grade"
        asked = api.post("/api/query", json={"sql": sql}, headers=bearer(user))
        assert asked.status_code == 200, asked.text
        exported = api.get(f"/api/history/{asked.json()['id']}/csv", headers=bearer(user))
        assert exported.status_code == 200, exported.text
        expected = [["grade", "n"], *([str(v) for v in row] for row in asked.json()["rows"])]
        assert list(csv.reader(io.StringIO(exported.text))) == expected
        item = api.get("/api/history", headers=bearer(user)).json()["items"][0]
        assert item["connection_id"] == "demo"
        wrong = {"email": user["email"], "password": user["password"] + "!"}
        codes = [api.post("/api/auth/login", json=wrong).status_code for _ in range(6)]
        assert api.post("/api/auth/logout", headers=bearer(user)).status_code == 204
    assert codes == [401] * 5 + [429]
    key_file = work_dir / "data" / "encryption.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
