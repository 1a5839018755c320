"""POST /api/query and GET /api/examples on a real backend process, on the embedded defaults
and on PostgreSQL: the contract's response shape, input limits, the anonymous free question,
signed-in allowances, follow-ups, edited SQL and guard refusals. The end-to-end OpenAI test
points the real process at the local fake (OpenAI chat-completions wire format).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from devkit.fake_openai import (
    FakeOpenAI,
    insights_answer,
    silent_wav,
    sql_answer,
    transcription,
)
from devkit.keys import new_encryption_key
from devkit.processes import backend_command, run_service
from devkit.users import register as sign_up

ANSWER_KEYS = {
    "id", "conversation_id", "question", "sql", "columns", "rows", "row_count", "truncated",
    "row_cap", "formats", "chart", "explanation", "insights", "recommendations", "timings",
    "tokens", "engine", "quota",
}  # fmt: skip
QUIET = {"RATE_LIMIT_PER_MINUTE": "0", "RATE_LIMIT_USER_PER_MINUTE": "0"}


def _env(mode: str, work_dir: Path, pg_url: str | None, extra: dict[str, str]) -> dict[str, str]:
    env = {"DATA_DIR": str(work_dir / "data"), **QUIET, **extra}
    if mode == "postgres":
        assert pg_url is not None
        env.update(DATABASE_URL=pg_url, ENCRYPTION_KEY=new_encryption_key())
    return env


@pytest.fixture
def start_backend(request: pytest.FixtureRequest, work_dir: Path) -> Iterator[Any]:
    """Start a backend in ``mode`` (embedded or postgres) with extra settings."""
    stack: list[Any] = []

    def start(mode: str, **extra: str) -> httpx.Client:
        pg_url = request.getfixturevalue("pg_url") if mode == "postgres" else None
        service = run_service(
            backend_command(),
            env=_env(mode, work_dir, pg_url, extra),
            health_path="/api/health",
            log_dir=work_dir,
        )
        process = service.__enter__()
        stack.append(service)
        client = httpx.Client(base_url=process.base_url, timeout=60.0)
        stack.append(client)
        return client

    yield start
    for item in reversed(stack):
        item.__exit__(None, None, None)


def anon(anon_id: str | None = None) -> dict[str, str]:
    return {"X-Anonymous-ID": anon_id or uuid.uuid4().hex}


def register(api: httpx.Client) -> dict[str, str]:
    """A new account's Authorization header."""
    return sign_up(api).headers


@pytest.mark.parametrize("mode", ["embedded", "postgres"])
def test_anonymous_visitor_gets_one_free_question_then_a_signup_prompt(
    start_backend: Any, mode: str
) -> None:
    api = start_backend(mode)
    visitor = anon()
    refused = api.post("/api/query", json={"question": "churn by galaxy"}, headers=visitor)
    assert refused.status_code == 422
    assert refused.json()["error"] == "unanswerable"
    assert "'churn'" in refused.json()["detail"]
    assert "'galaxy'" in refused.json()["detail"]

    answer = api.post(
        "/api/query", json={"question": "How many loans per purpose?"}, headers=visitor
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == ANSWER_KEYS
    assert body["engine"] == "offline"
    assert body["tokens"] == {"prompt": 0, "completion": 0, "llm_calls": 0}
    assert body["columns"] == ["purpose", "loan_count"]
    assert sum(row[1] for row in body["rows"]) == 50_000
    assert body["chart"]["type"] in {"bar", "pie"}
    assert body["insights"]
    assert body["recommendations"]
    assert set(body["timings"]) == {"sql_ms", "run_ms", "chart_ms", "insights_ms", "total_ms"}
    assert body["quota"] == {"remaining": 0, "limit": 1, "period": "lifetime"}

    again = api.post("/api/query", json={"question": "Default rate by term"}, headers=visitor)
    assert again.status_code == 402
    assert again.json()["error"] == "quota_exceeded"
    assert again.json()["signup"] is True
    assert again.json()["remaining"] == 0
    assert "Sign up" in again.json()["detail"]

    own_database = {"question": "How many loans?", "connection_id": str(uuid.uuid4())}
    forbidden = api.post("/api/query", json=own_database, headers=anon())
    assert forbidden.status_code == 403
    assert forbidden.json()["error"] == "signup_required"


def test_input_limits_answer_422_with_clear_messages(start_backend: Any) -> None:
    api = start_backend("embedded", MAX_QUESTION_CHARS="50", MAX_SQL_CHARS="200")
    cases: list[tuple[Any, str]] = [
        ({"question": "x" * 51}, "longer than 50 characters"),
        ({"sql": "SELECT 1 " + "-" * 200}, "longer than 200 characters"),
        ({"question": "How many loans?", "sql": "SELECT 1"}, "not both"),
        ({}, "not both and not neither"),
        ({"question": "   "}, "question is empty"),
        ({"question": "How many loans?", "connection_id": "../etc"}, "connection_id"),
        ({"question": "How many loans?", "conversation_id": "nope"}, "conversation_id"),
        ({"question": "How many loans?", "extra": 1}, "extra"),
        ({"question": 42}, "question"),
        ({"question": "q" * 20_001}, "question"),
    ]
    for body, fragment in cases:
        response = api.post("/api/query", json=body, headers=anon())
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"] == "invalid_input"
        assert fragment in response.json()["detail"], (fragment, response.json())
    not_json = api.post(
        "/api/query", content=b"{", headers={**anon(), "Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    bad_visitor = api.post(
        "/api/query",
        json={"question": "How many loans?"},
        headers={"X-Anonymous-ID": "no spaces allowed"},
    )
    assert bad_visitor.status_code == 422


@pytest.mark.parametrize("mode", ["embedded", "postgres"])
def test_signed_in_follow_ups_edited_sql_guard_and_monthly_allowance(
    start_backend: Any, mode: str
) -> None:
    api = start_backend(mode, FREE_MONTHLY_QUOTA="3")
    user = register(api)

    first = api.post(
        "/api/query", json={"question": "What is the default rate by grade?"}, headers=user
    )
    assert first.status_code == 200, first.text
    by_grade = {row[0]: row[1] for row in first.json()["rows"]}
    assert sorted(by_grade) == list("ABCDEFG")
    assert first.json()["quota"]["remaining"] == 2
    conversation = first.json()["conversation_id"]

    follow_up = api.post(
        "/api/query",
        json={"question": "only for grade A", "conversation_id": conversation},
        headers=user,
    )
    assert follow_up.status_code == 200, follow_up.text
    assert follow_up.json()["conversation_id"] == conversation
    assert follow_up.json()["rows"] == [["A", by_grade["A"]]]

    for sql in ("DELETE FROM loans", "SELECT 1; DROP TABLE loans", "SELECT pg_sleep(5)"):
        refused = api.post("/api/query", json={"sql": sql}, headers=user)
        assert refused.status_code == 400, (sql, refused.text)
        assert refused.json()["error"] == "sql_refused"

    stranger = register(api)
    hijack = api.post(
        "/api/query",
        json={"question": "now by term", "conversation_id": conversation},
        headers=stranger,
    )
    assert hijack.status_code == 404

    edited = api.post(
        "/api/query",
        json={
            "sql": "SELECT grade, COUNT(*) AS loans FROM loans GROUP BY grade ORDER BY grade",
            "conversation_id": conversation,
        },
        headers=user,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["row_count"] == 7
    assert edited.json()["chart"]["type"] in {"bar", "pie"}
    assert edited.json()["insights"]
    assert edited.json()["quota"] == {
        "remaining": 0,
        "limit": 3,
        "period": edited.json()["quota"]["period"],
    }

    over = api.post("/api/query", json={"question": "How many loans?"}, headers=user)
    assert over.status_code == 402
    assert over.json()["error"] == "quota_exceeded"
    assert "signup" not in over.json()


def test_examples_and_voice_without_a_key(start_backend: Any) -> None:
    api = start_backend("embedded")
    wav = silent_wav(1)
    anonymous = api.post("/api/transcribe", files={"audio": ("q.wav", wav, "audio/wav")})
    assert anonymous.status_code == 401  # it would spend the operator's paid API
    user = register(api)
    voice = api.post("/api/transcribe", files={"audio": ("q.wav", wav, "audio/wav")}, headers=user)
    assert voice.status_code == 503
    assert voice.json()["error"] == "voice_unavailable"
    not_audio = api.post(
        "/api/transcribe", files={"audio": ("q.txt", b"hello", "text/plain")}, headers=user
    )
    assert not_audio.status_code == 422
    assert "Unsupported audio format" in not_audio.json()["detail"]

    body = api.get("/api/examples").json()
    assert len(body["questions"]) >= 12
    assert "What is the default rate by grade?" in body["questions"]
    tables = {t["name"]: t for t in body["database"]["tables"]}
    assert set(tables) == {"borrowers", "loans"}
    assert "loan_amount" in tables["loans"]["columns"]


def test_openai_end_to_end_answers_in_two_calls(
    start_backend: Any, fake_openai: FakeOpenAI
) -> None:
    api = start_backend(
        "embedded", OPENAI_API_KEY="test-key-for-the-fake", OPENAI_BASE_URL=fake_openai.base_url
    )
    fake_openai.script(
        sql_answer(
            "SELECT purpose, COUNT(*) AS loans FROM loans GROUP BY purpose ORDER BY loans DESC",
            chart={"type": "bar", "x": "purpose", "y": "loans", "color": None, "title": "Loans"},
        ),
        insights_answer(["Debt consolidation dominates."], ["Consider diversifying."]),
    )
    response = api.post(
        "/api/query", json={"question": "How many loans per purpose?"}, headers=anon()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["engine"] == "openai"
    assert body["tokens"]["llm_calls"] == 2 == len(fake_openai.received)
    assert body["tokens"]["prompt"] == 240
    assert body["rows"][0][0] == "debt_consolidation"
    assert body["insights"] == ["Debt consolidation dominates."]

    fake_openai.script(transcription("Default rate by term"))
    spoken = api.post(
        "/api/transcribe",
        files={"audio": ("q.wav", silent_wav(3), "audio/wav")},
        headers=register(api),
    )
    assert spoken.status_code == 200, spoken.text
    assert spoken.json() == {"text": "Default rate by term"}
    assert fake_openai.received[-1].path == "/v1/audio/transcriptions"
