"""Opening a past answer: ``GET /api/history/{id}/answer`` over HTTP against a real backend, its
app database on PostgreSQL and the user's own PostgreSQL database.

Contract: the answer comes back as it was shown (question, SQL, formats, chart, explanation,
insights) with rows fetched now from the user's database (the app database keeps none); only
the owner may open it (404 for anyone else); an id that is not one answers 422, a failed
question 422; a row recorded before presentations were kept, or with an unreadable one, still
opens (formats and chart worked out again, a note instead of insights), never a 5xx.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import psycopg
from backend.history.stored import NOT_KEPT_NOTE
from devkit.processes import backend_command, run_service

from tests.tenancy.conftest import UserDatabase, backend_env, bearer, register
from tests.tenancy.test_connections import add_connection

BY_REGION = "SELECT region_id, SUM(amount) AS total_amount FROM sales GROUP BY region_id ORDER BY 1"
SHOWN = ("question", "sql", "columns", "formats", "chart", "explanation", "insights")


def _presentation(pg_url: str, item_id: str, value: Any) -> None:
    """Set a history row's stored presentation as an older release (or a bad write) left it."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE query_history SET presentation = %s::json WHERE id = %s",
            (None if value is None else json.dumps(value), item_id),
        )


def test_a_past_answer_opens_as_shown_with_rows_fetched_now(
    pg_url: str, work_dir: Path, user_db: UserDatabase
) -> None:
    with (
        run_service(
            backend_command(), env=backend_env(pg_url), health_path="/api/health", log_dir=work_dir
        ) as b,
        httpx.Client(base_url=b.base_url, timeout=60) as api,
    ):
        alice, bob = register(api), register(api)
        conn = add_connection(api, alice, user_db)
        asked = api.post(
            "/api/query",
            json={"sql": BY_REGION, "connection_id": conn["id"]},
            headers=bearer(alice),
        )
        assert asked.status_code == 200, asked.text
        answer = asked.json()
        path = f"/api/history/{answer['id']}/answer"
        assert answer["insights"], answer  # something to keep

        with psycopg.connect(user_db.url, autocommit=True) as user_conn:
            user_conn.execute("INSERT INTO sales VALUES (51, 1, 1000, DATE '2026-03-01')")
        opened = api.get(path, headers=bearer(alice))
        assert opened.status_code == 200, opened.text
        again = opened.json()
        assert {k: again[k] for k in SHOWN} == {k: answer[k] for k in SHOWN}
        assert again["formats"][1]["kind"] == "currency"
        assert again["id"] == answer["id"]
        assert again["conversation_id"] == answer["conversation_id"]
        # Today's rows (the new sale counts), not a copy kept from when it was asked.
        assert answer["rows"] == [[1, 6500.0], [2, 6250.0]]
        assert again["rows"] == [[1, 7500.0], [2, 6250.0]]

        with psycopg.connect(pg_url) as app_db:
            kept = app_db.execute(
                "SELECT presentation::text FROM query_history WHERE id = %s", (answer["id"],)
            ).fetchone()
        assert kept is not None
        assert "6500" not in kept[0]  # no result rows in the app database

        # Opening records nothing and costs nothing.
        items = api.get("/api/history", headers=bearer(alice)).json()
        assert items["total"] == 1
        left = api.get("/api/auth/me", headers=bearer(alice)).json()["quota"]["remaining"]
        assert api.get(path, headers=bearer(alice)).status_code == 200
        assert api.get("/api/auth/me", headers=bearer(alice)).json()["quota"]["remaining"] == left

        # Only the owner; ids that are not ids; failed questions; signed-out callers.
        other = api.get(path, headers=bearer(bob))
        assert other.status_code == 404, other.text
        assert other.json()["error"] == "not_found"
        missing = api.get(f"/api/history/{'0' * 8}-0000-4000-8000-{'0' * 12}/answer",
                          headers=bearer(alice))  # fmt: skip
        assert missing.status_code == 404
        bad_id = api.get("/api/history/not-an-id/answer", headers=bearer(alice))
        assert bad_id.status_code == 422, bad_id.text
        assert bad_id.json()["error"] == "invalid_input"
        assert api.get(path).status_code == 401
        failed = api.post(
            "/api/query",
            json={"sql": "SELECT nope FROM sales", "connection_id": conn["id"]},
            headers=bearer(alice),
        )
        assert failed.status_code == 422
        failed_id = api.get("/api/history", headers=bearer(alice)).json()["items"][0]["id"]
        no_answer = api.get(f"/api/history/{failed_id}/answer", headers=bearer(alice))
        assert no_answer.status_code == 422, no_answer.text
        assert "no result" in no_answer.json()["detail"]

        # A row from before presentations were kept, and one whose presentation is unreadable.
        for stale in (None, {"formats": "not a list", "insights": 3}):
            _presentation(pg_url, answer["id"], stale)
            old = api.get(path, headers=bearer(alice))
            assert old.status_code == 200, old.text
            body = old.json()
            assert body["insights"] == []
            assert body["recommendations"] == []
            assert body["explanation"] == NOT_KEPT_NOTE
            assert [f["label"] for f in body["formats"]] == ["Region id", "Total amount"]
            assert body["formats"][1]["kind"] == "currency"
            assert body["chart"] == answer["chart"]
            assert body["rows"] == again["rows"]

        # The question's tables switched off since: refused like a question, not a 5xx.
        api.put(f"/api/connections/{conn['id']}/tables", json={"enabled": ["regions"]},
                headers=bearer(alice))  # fmt: skip
        disabled = api.get(path, headers=bearer(alice))
        assert disabled.status_code == 409, disabled.text
        assert disabled.json()["error"] == "table_disabled"


def test_a_rerun_keeps_the_question_it_answers(pg_url: str, work_dir: Path) -> None:
    question = "What is the default rate by grade?"
    with (
        run_service(
            backend_command(), env=backend_env(pg_url), health_path="/api/health", log_dir=work_dir
        ) as b,
        httpx.Client(base_url=b.base_url, timeout=60) as api,
    ):
        alice = register(api)
        asked = api.post("/api/query", json={"question": question}, headers=bearer(alice))
        assert asked.status_code == 200, asked.text
        rerun = api.post(f"/api/history/{asked.json()['id']}/rerun", headers=bearer(alice))
        assert rerun.status_code == 200, rerun.text
        newest = api.get("/api/history", headers=bearer(alice)).json()["items"][0]

    assert rerun.json()["question"] == question
    assert rerun.json()["sql"] == asked.json()["sql"]
    assert rerun.json()["rows"] == asked.json()["rows"]
    assert newest["id"] == rerun.json()["id"]
    assert newest["question"] == question  # the new history row says what was asked
