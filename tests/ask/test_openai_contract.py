"""The OpenAI engine through the official client against a local server speaking the OpenAI
wire format (chat completions and audio transcriptions).

Contract held: POST /v1/chat/completions with the configured model, the enabled tables' schema
in the prompt and a strict ``json_schema`` response format; at most two calls on the happy
path; malformed output gets one repair call; failing SQL is fed back at most LLM_MAX_REPAIRS
times; 429/5xx are retried by the client; timeouts and errors become ``llm_failed``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from backend.ask.schemas import AskInput
from backend.ask.service import AskServices, ask
from backend.core.config import Settings
from backend.core.errors import AppError, InvalidInput
from backend.core.principal import Principal
from backend.data.database import make_autocommit_factory, transaction
from backend.data.models import QueryRecord, User
from backend.engines.base import LlmFailed, Unanswerable
from backend.engines.openai.engine import OpenAIEngine
from backend.safety.executor import QueryFailed
from backend.targets.target import QueryTarget
from backend.voice.service import VoiceUnavailable, transcribe
from devkit.fake_openai import (
    FakeOpenAI,
    Reply,
    completion,
    error,
    insights_answer,
    silent_wav,
    sql_answer,
    transcription,
)
from devkit.targets import demo_only
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

KEY = "test-key-for-the-fake"
GOOD_SQL = "SELECT grade, COUNT(*) AS loans FROM loans GROUP BY grade ORDER BY grade"
BAR = {"type": "bar", "x": "grade", "y": "loans", "color": None, "title": "Loans by grade"}
ANON = Principal(user_id=None, anon_id="contract-test", client_ip="127.0.0.1")


def settings_for(fake: FakeOpenAI, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "openai_api_key": KEY,
        "openai_base_url": fake.base_url,
        "openai_model": "contract-model",
        "openai_max_retries": 0,
        "openai_timeout_seconds": 5,
        "anonymous_free_questions": 100,
        **overrides,
    }
    return Settings(**values)


def services_for(
    settings: Settings, sessions: sessionmaker[Session], target: QueryTarget
) -> AskServices:
    return AskServices(
        settings=settings,
        sessions=sessions,
        autocommit=make_autocommit_factory(sessions.kw["bind"]),
        targets=demo_only(target),
        engine=OpenAIEngine(settings),
    )


def ask_demo(
    services: AskServices, question: str, asker: Principal = ANON, **kw: Any
) -> dict[str, Any]:
    answer = ask(services, asker, AskInput(question=question, sql=None, **kw))
    return answer.model_dump(mode="json")


def system_prompt(request: dict[str, Any]) -> str:
    content: str = request["messages"][0]["content"]
    return content


def test_happy_path_is_two_calls_with_model_schema_and_json_schema_format(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    loans_only = replace(demo_sqlite, enabled_tables=frozenset({"loans"}))
    settings = settings_for(fake_openai, tmp_path)
    fake_openai.script(
        sql_answer(GOOD_SQL, chart=BAR, explanation="Counts loans per grade."),
        insights_answer(["Grade B has the most loans."], ["Consider reviewing grade G."]),
    )
    answer = ask_demo(services_for(settings, app_sessions, loans_only), "Loans per grade?")

    first, second = fake_openai.chat_requests()
    assert len(fake_openai.received) == 2
    assert fake_openai.received[0].path == "/v1/chat/completions"
    assert fake_openai.received[0].headers["authorization"] == f"Bearer {KEY}"
    assert first["model"] == "contract-model"
    fmt = first["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["strict"] is True
    assert set(fmt["json_schema"]["schema"]["required"]) == {"sql", "chart", "explanation"}
    prompt = system_prompt(first)
    assert "TABLE loans" in prompt
    assert "loan_amount" in prompt
    assert "'Charged Off'" in prompt
    assert "TABLE borrowers" not in prompt
    assert "annual_income" not in prompt  # a switched-off table's columns stay out
    assert "asked to enable it): borrowers" in prompt  # only its name, to offer enabling
    assert first["messages"][-1] == {"role": "user", "content": "Loans per grade?"}
    result_summary = json.loads(second["messages"][-1]["content"])["result"]
    assert result_summary["row_count"] == 7
    assert len(result_summary["rows"]) <= 5

    assert answer["engine"] == "openai"
    assert answer["tokens"] == {"prompt": 240, "completion": 60, "llm_calls": 2}
    assert answer["chart"]["type"] == "bar"
    assert [row[0] for row in answer["rows"]] == list("ABCDEFG")
    assert answer["insights"] == ["Grade B has the most loans."]
    assert answer["explanation"] == "Counts loans per grade."
    with transaction(app_sessions) as session:
        record = session.scalars(select(QueryRecord)).one()
    assert record.id == answer["id"]
    assert (record.status, record.engine, record.row_count) == ("ok", "openai", 7)
    assert record.tokens == answer["tokens"]
    assert record.summary is not None
    assert "rows" not in record.summary  # history never keeps the user's rows
    assert record.chart == answer["chart"]


def test_malformed_output_gets_one_repair_call(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path)
    fake_openai.script(
        completion("Sure! Here is the SQL: SELECT 1"),
        sql_answer(GOOD_SQL),
        insights_answer(["ok"], []),
    )
    answer = ask_demo(services_for(settings, app_sessions, demo_sqlite), "Loans per grade?")
    retry = fake_openai.chat_requests()[1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": "Sure! Here is the SQL: SELECT 1"}
    assert "not valid JSON" in retry[-1]["content"]
    assert answer["tokens"]["llm_calls"] == 3
    assert answer["row_count"] == 7


def test_malformed_twice_is_a_clear_llm_failure(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path)
    fake_openai.script(completion("{not json"), completion('{"sql": 1}'))
    with pytest.raises(LlmFailed) as caught:
        ask_demo(services_for(settings, app_sessions, demo_sqlite), "Loans per grade?")
    assert caught.value.status_code == 502
    assert caught.value.code == "llm_failed"
    assert len(fake_openai.received) == 2
    with transaction(app_sessions) as session:
        record = session.scalars(select(QueryRecord)).one()
    assert record.status == "error"
    assert record.error
    assert "llm_failed" in record.error


def test_failing_sql_is_repaired_with_the_database_error(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path, llm_max_repairs=2)
    fake_openai.script(
        sql_answer("SELECT grade, COUNT(*) FROM loans GROUP BY nope"),
        sql_answer("DELETE FROM loans"),
        sql_answer(GOOD_SQL),
        insights_answer(["ok"], []),
    )
    answer = ask_demo(services_for(settings, app_sessions, demo_sqlite), "Loans per grade?")
    requests = fake_openai.chat_requests()
    assert "nope" in requests[1]["messages"][-1]["content"]  # the database's own message
    assert "failed with this error" in requests[2]["messages"][-1]["content"]
    assert answer["tokens"]["llm_calls"] == 4
    assert answer["sql"].startswith("SELECT")


def test_repairs_are_bounded(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path, llm_max_repairs=1)
    bad = sql_answer("SELECT missing_column FROM loans")
    fake_openai.script(bad, bad, bad)
    with pytest.raises(QueryFailed):
        ask_demo(services_for(settings, app_sessions, demo_sqlite), "Loans per grade?")
    assert len(fake_openai.received) == 2  # the draft and one repair, nothing more
    with transaction(app_sessions) as session:
        record = session.scalars(select(QueryRecord)).one()
    assert record.status == "error"
    assert record.sql == "SELECT missing_column FROM loans"
    assert record.error is not None
    assert record.error.startswith("query_failed")


def test_429_then_success_is_retried_by_the_client(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path, openai_max_retries=2)
    fake_openai.script(
        error(429, "slow down", **{"retry-after-ms": "20"}),
        sql_answer(GOOD_SQL),
        error(503, "busy", **{"retry-after-ms": "20"}),
        insights_answer(["ok"], []),
    )
    answer = ask_demo(services_for(settings, app_sessions, demo_sqlite), "Loans per grade?")
    assert len(fake_openai.received) == 4
    assert answer["row_count"] == 7
    assert answer["insights"] == ["ok"]


def test_server_errors_without_retries_left_are_llm_failed(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path, openai_max_retries=1)
    fake_openai.script(error(502, "bad gateway"), error(502, "bad gateway"))
    with pytest.raises(LlmFailed, match=r"unavailable \(HTTP 502, 2 tries"):
        ask_demo(services_for(settings, app_sessions, demo_sqlite), "Loans per grade?")
    assert len(fake_openai.received) == 2


def test_a_500_is_final_and_quotes_the_server(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    """A 500 is the server's bug or our request's: the same request fails the same way."""
    settings = settings_for(fake_openai, tmp_path, openai_max_retries=2)
    fake_openai.script(error(500, "llama_decode failed: out of memory"))
    with pytest.raises(LlmFailed) as caught:
        ask_demo(services_for(settings, app_sessions, demo_sqlite), "Loans per grade?")
    assert len(fake_openai.received) == 1
    assert '"llama_decode failed: out of memory"' in caught.value.detail
    assert "HTTP 500" in caught.value.detail
    assert "try again" not in caught.value.detail


def test_a_slow_model_times_out_with_a_clear_message(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path, openai_timeout_seconds=0.5)
    fake_openai.script(Reply(delay=3.0, body=sql_answer(GOOD_SQL).body))
    with pytest.raises(LlmFailed, match=r"did not finish within 0\.5 s"):
        ask_demo(services_for(settings, app_sessions, demo_sqlite), "Loans per grade?")


def test_the_model_may_decline_and_say_why(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path)
    fake_openai.script(sql_answer("", explanation="There is no column about weather."))
    with pytest.raises(Unanswerable, match="weather"):
        ask_demo(services_for(settings, app_sessions, demo_sqlite), "Loans by weather?")


def test_failed_insights_fall_back_to_the_data(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path)
    fake_openai.script(sql_answer(GOOD_SQL), error(500))
    answer = ask_demo(services_for(settings, app_sessions, demo_sqlite), "Loans per grade?")
    assert any("Highest loans: B" in line for line in answer["insights"])
    assert answer["recommendations"]


def test_follow_ups_and_liked_examples_reach_the_prompt(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path)
    with transaction(app_sessions) as session:
        user = User(email="liked@example.test")
        session.add(user)
        session.flush()
        session.add(
            QueryRecord(
                user_id=user.id, question="Loans in CA?", sql="SELECT 42 AS liked", feedback=1
            )
        )
        user_id = user.id
    asker = Principal(user_id=user_id, anon_id=None, client_ip="127.0.0.1")
    services = services_for(settings, app_sessions, demo_sqlite)
    fake_openai.script(sql_answer(GOOD_SQL), insights_answer(["a"], []))
    first = ask_demo(services, "Loans per grade?", asker)
    fake_openai.script(sql_answer(GOOD_SQL + " LIMIT 1"), insights_answer(["b"], []))
    ask_demo(services, "only the first one", asker, conversation_id=first["conversation_id"])

    follow_up = fake_openai.chat_requests()[2]
    assert "Q: Loans in CA?\nSQL: SELECT 42 AS liked" in system_prompt(follow_up)
    roles = [(m["role"], m["content"]) for m in follow_up["messages"][1:]]
    assert roles[0] == ("user", "Loans per grade?")
    assert roles[1][0] == "assistant"
    assert "GROUP BY grade" in roles[1][1]
    assert roles[-1] == ("user", "only the first one")

    stranger = Principal(user_id=None, anon_id="someone-else", client_ip="10.0.0.9")
    with pytest.raises(AppError) as caught:
        ask_demo(services, "again", stranger, conversation_id=first["conversation_id"])
    assert caught.value.status_code == 404


def test_transcription_uses_the_configured_model(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    settings = settings_for(fake_openai, tmp_path, openai_transcribe_model="contract-whisper")
    fake_openai.script(transcription("  What is the default rate by grade?  "))
    assert transcribe(settings, silent_wav(2)) == "What is the default rate by grade?"
    received = fake_openai.received[0]
    assert received.path == "/v1/audio/transcriptions"
    assert received.headers["content-type"].startswith("multipart/form-data")
    assert b"contract-whisper" in received.body
    assert b"RIFF" in received.body


def test_transcription_refuses_long_or_non_audio_uploads(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    settings = settings_for(fake_openai, tmp_path)
    with pytest.raises(InvalidInput, match="longer than 60 seconds"):
        transcribe(settings, silent_wav(61))
    with pytest.raises(InvalidInput, match="Unsupported audio format"):
        transcribe(settings, b"definitely not audio")
    assert fake_openai.received == []  # nothing was sent upstream
    with pytest.raises(VoiceUnavailable):
        transcribe(Settings(data_dir=tmp_path), silent_wav(1))


def test_a_disabled_table_is_offered_for_enabling_not_repaired(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    loans_only = replace(demo_sqlite, enabled_tables=frozenset({"loans"}))
    settings = settings_for(fake_openai, tmp_path, llm_max_repairs=2)
    fake_openai.script(
        sql_answer("SELECT b.state, COUNT(*) FROM loans l JOIN borrowers b USING (borrower_id)")
    )
    with pytest.raises(AppError) as caught:
        ask_demo(services_for(settings, app_sessions, loans_only), "Loans per state?")
    assert caught.value.status_code == 409
    assert caught.value.extra == {"tables": ["borrowers"]}
    assert len(fake_openai.received) == 1  # the user decides; no repair call is spent on it
