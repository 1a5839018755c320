"""Through the real HTTP API on the embedded defaults: the demo is loaded at start and edited SQL
meets the same guard.

Contract: ``python -m backend serve`` with nothing configured creates ``<DATA_DIR>/demo.sqlite``;
``POST /api/query`` with ``sql`` answers 400 ``sql_refused`` with a readable reason for writes,
file access and catalogs, and 200 with rows for a read; the demo file is unchanged afterwards.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
from devkit.processes import backend_command, run_service

HEADERS = {"X-Anonymous-ID": "safety-test-visitor"}


def test_embedded_backend_loads_the_demo_and_guards_edited_sql(work_dir: Path) -> None:
    env = {"ANONYMOUS_FREE_QUESTIONS": "50"}
    with run_service(
        backend_command(), env=env, health_path="/api/health", log_dir=work_dir
    ) as backend:
        demo = work_dir / "data" / "demo.sqlite"
        assert demo.is_file()
        url = backend.base_url + "/api/query"
        refused = {
            "SELECT 1; DROP TABLE loans": "one statement",
            "DELETE FROM loans": "read-only",
            "WITH d AS (DELETE FROM loans RETURNING *) SELECT * FROM d": "DELETE",
            "SELECT load_extension('x')": "load_extension",
            "SELECT sql FROM sqlite_master": "System catalogs",
        }
        for sql, fragment in refused.items():
            response = httpx.post(url, json={"sql": sql}, headers=HEADERS, timeout=30)
            assert response.status_code == 400, (sql, response.text)
            body = response.json()
            assert body["error"] == "sql_refused"
            assert fragment.lower() in body["detail"].lower()
        answer = httpx.post(
            url,
            json={"sql": "SELECT grade, COUNT(*) AS loans FROM loans GROUP BY grade ORDER BY 1"},
            headers=HEADERS,
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        assert [row[0] for row in answer.json()["rows"]] == list("ABCDEFG")
    with sqlite3.connect(demo) as conn:
        assert conn.execute("SELECT count(*) FROM loans").fetchone() == (50_000,)
