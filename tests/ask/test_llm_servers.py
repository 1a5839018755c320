"""The OpenAI engine against what real OpenAI-compatible servers do, through the official client.

Contract held (each behaviour copied into the fake from llama.cpp's ``llama-server`` or
llama-cpp-python's ``llama_cpp.server``, see devkit/src/devkit/fake_openai.py):
- a server that refuses ``json_schema`` (HTTP 500 naming ``response_format``) gets the next
  structured-output mode at once, and the mode that worked is remembered for the endpoint;
- every call carries ``max_tokens``; a reply cut off there is a final, named error;
- a question never outlives LLM_BUDGET_SECONDS, even on a slow server that ignores hang-ups,
  and such a server is free for the next question right away (the engine streams and hangs up);
- timeouts, 500s and 4xx are never retried; the server's own words reach the person with the
  setting to change; chat roles alternate after edited-SQL turns; a system-less template works
  with OPENAI_FOLD_SYSTEM_PROMPT; repairs stop when the SQL repeats.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend.ask.schemas import AskInput
from backend.ask.service import ask
from backend.core.errors import AppError
from backend.core.principal import Principal
from backend.engines.base import LlmFailed
from backend.engines.openai import structured_output
from backend.safety.executor import QueryFailed
from backend.targets.target import QueryTarget
from devkit.fake_openai import (
    FakeOpenAI,
    Reply,
    completion,
    error,
    insights_answer,
    runaway,
    slow,
    sql_answer,
)
from sqlalchemy.orm import Session, sessionmaker

from tests.ask.test_openai_contract import GOOD_SQL, ask_demo, services_for, settings_for

QUESTION = "Loans per grade?"


@pytest.fixture(autouse=True)
def _fresh_modes() -> Iterator[None]:
    structured_output.forget_all()
    importlib.import_module("openai")  # its first import (seconds on a busy machine) is not timed
    yield
    structured_output.forget_all()


def formats(fake: FakeOpenAI) -> list[str | None]:
    kinds = []
    for request in fake.chat_requests():
        fmt = request.get("response_format")
        kinds.append(None if fmt is None else fmt["type"] + ("+schema" if "schema" in fmt else ""))
    return kinds


def test_json_schema_refused_with_500_falls_back_and_is_remembered(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    fake_openai.reject_json_schema = True  # llama-cpp-python's server
    services = services_for(settings_for(fake_openai, tmp_path), app_sessions, demo_sqlite)
    fake_openai.script(sql_answer(GOOD_SQL), insights_answer(["B leads."], []))
    answer = ask_demo(services, QUESTION)
    fake_openai.script(sql_answer(GOOD_SQL), insights_answer(["Again."], []))
    ask_demo(services, QUESTION)

    assert answer["row_count"] == 7
    assert answer["insights"] == ["B leads."]
    # One refused try, then json_object with the schema; the second question starts there.
    assert formats(fake_openai) == ["json_schema"] + ["json_object+schema"] * 4
    sent_schema = fake_openai.chat_requests()[1]["response_format"]["schema"]
    assert set(sent_schema["required"]) == {"sql", "chart", "explanation"}
    assert [r["max_tokens"] for r in fake_openai.chat_requests()] == [700, 700, 400, 700, 400]


def test_a_fixed_json_schema_mode_says_which_setting_to_change(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    fake_openai.reject_json_schema = True
    settings = settings_for(
        fake_openai, tmp_path, openai_structured_output="json_schema", openai_max_retries=2
    )
    with pytest.raises(LlmFailed) as caught:
        ask_demo(services_for(settings, app_sessions, demo_sqlite), QUESTION)
    assert len(fake_openai.received) == 1  # a 500 naming the format is not retried
    assert "Input should be 'text' or 'json_object'" in caught.value.detail
    assert "OPENAI_STRUCTURED_OUTPUT=auto" in caught.value.detail
    assert "try again" not in caught.value.detail


def test_a_reply_cut_off_at_max_tokens_is_final_and_named(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path, llm_sql_max_tokens=120)
    fake_openai.script(runaway(), sql_answer(GOOD_SQL))
    with pytest.raises(LlmFailed, match=r"cut off at 120 tokens \(LLM_SQL_MAX_TOKENS\)"):
        ask_demo(services_for(settings, app_sessions, demo_sqlite), QUESTION)
    assert len(fake_openai.received) == 1  # no JSON retry with the same bound
    assert fake_openai.chat_requests()[0]["max_tokens"] == 120
    assert fake_openai.generations[0].tokens == 120


def test_a_slow_server_that_ignores_hang_ups_stays_inside_the_budget(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    fake_openai.serial = True  # one generation at a time, like llama-cpp-python's server
    settings = settings_for(fake_openai, tmp_path, llm_budget_seconds=2, openai_timeout_seconds=30)
    services = services_for(settings, app_sessions, demo_sqlite)
    fake_openai.script(slow(sql_answer(GOOD_SQL), token_delay=0.25))  # ~15 s to finish
    started = time.monotonic()
    with pytest.raises(LlmFailed) as caught:
        ask_demo(services, QUESTION)
    waited = time.monotonic() - started
    fake_openai.script(sql_answer(GOOD_SQL), insights_answer(["ok"], []))
    started = time.monotonic()
    answer = ask_demo(services, QUESTION)
    next_one = time.monotonic() - started

    assert waited < 2 + 4, waited  # the budget plus the pipeline's own work on a busy machine
    assert "did not finish within 2." in caught.value.detail
    assert "LLM_BUDGET_SECONDS=2" in caught.value.detail
    assert len(fake_openai.received) == 3  # the slow call was not retried
    first = fake_openai.generations[0]
    assert first.stopped_by_hangup
    assert first.tokens < first.planned
    assert answer["row_count"] == 7
    assert next_one < 6, "the next question queued behind abandoned work (~10 s)"


def test_keep_alive_pings_do_not_stretch_the_deadline(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    """A server reading a long prompt sends pings and no token: the budget still holds."""
    settings = settings_for(
        fake_openai, tmp_path, llm_budget_seconds=1.5, openai_timeout_seconds=30
    )
    fake_openai.script(slow(sql_answer(GOOD_SQL), prompt_seconds=10))
    started = time.monotonic()
    with pytest.raises(LlmFailed, match=r"did not finish within 1\.[5-9] s"):
        ask_demo(services_for(settings, app_sessions, demo_sqlite), QUESTION)
    assert time.monotonic() - started < 5  # before: the 10 s the server spent reading
    assert len(fake_openai.received) == 1
    noticed_by = time.monotonic() + 2  # the server notices at its next keep-alive write
    while not fake_openai.generations[0].stopped_by_hangup and time.monotonic() < noticed_by:
        time.sleep(0.05)
    assert fake_openai.generations[0].stopped_by_hangup


def test_timeouts_are_final_not_retried(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path, openai_timeout_seconds=0.5, openai_max_retries=2)
    fake_openai.script(*[Reply(delay=2.0, body=sql_answer(GOOD_SQL).body)] * 3)
    started = time.monotonic()
    with pytest.raises(LlmFailed, match=r"did not finish within 0\.[5-9] s"):
        ask_demo(services_for(settings, app_sessions, demo_sqlite), QUESTION)
    assert time.monotonic() - started < 4  # before: three tries of 2 s
    assert len(fake_openai.received) == 1


def test_a_rate_limit_longer_than_the_budget_is_not_waited_for(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path, openai_max_retries=3, llm_budget_seconds=5)
    fake_openai.script(error(429, "slow down", **{"retry-after": "30"}), sql_answer(GOOD_SQL))
    started = time.monotonic()
    with pytest.raises(LlmFailed, match=r"rate-limiting us right now \(1 tries"):
        ask_demo(services_for(settings, app_sessions, demo_sqlite), QUESTION)
    assert time.monotonic() - started < 5  # before: the 30 s Retry-After
    assert len(fake_openai.received) == 1


def test_a_context_too_small_says_so_and_what_to_change(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    fake_openai.context_tokens = 256  # llama.cpp started with --ctx-size 256
    settings = settings_for(fake_openai, tmp_path, openai_max_retries=2)
    with pytest.raises(LlmFailed) as caught:
        ask_demo(services_for(settings, app_sessions, demo_sqlite), QUESTION)
    assert len(fake_openai.received) == 1
    detail = caught.value.detail
    assert "exceeds the available context size (256 tokens)" in detail
    assert "--ctx-size" in detail
    assert "try again" not in detail


def test_roles_alternate_after_an_edited_sql_turn(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    """The fake refuses any request whose roles do not alternate, as Gemma's template does."""
    services = services_for(settings_for(fake_openai, tmp_path), app_sessions, demo_sqlite)
    asker = Principal(user_id=None, anon_id="roles-test", client_ip="127.0.0.1")
    fake_openai.script(sql_answer(GOOD_SQL), insights_answer(["a"], []))
    first = ask_demo(services, QUESTION, asker)
    conversation = first["conversation_id"]
    fake_openai.script(insights_answer(["b"], []))
    edited = "SELECT grade FROM loans GROUP BY grade"
    ask(services, asker, AskInput(question=None, sql=edited, conversation_id=conversation))
    fake_openai.script(sql_answer(GOOD_SQL + " LIMIT 2"), insights_answer(["c"], []))
    follow_up = ask_demo(services, "only two", asker, conversation_id=conversation)

    assert follow_up["row_count"] == 2
    messages = fake_openai.chat_requests()[-2]["messages"]
    roles = [m["role"] for m in messages]
    assert roles == ["system", "user", "assistant", "user"]
    assert f"I ran this SQL myself:\n{edited}" in messages[-1]["content"]
    assert messages[-1]["content"].endswith("only two")


def test_a_template_without_a_system_role_works_when_folded(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    fake_openai.system_role = False  # Gemma-style template
    plain = services_for(settings_for(fake_openai, tmp_path), app_sessions, demo_sqlite)
    with pytest.raises(LlmFailed, match="OPENAI_FOLD_SYSTEM_PROMPT=true") as caught:
        ask_demo(plain, QUESTION)
    assert '"System role not supported"' in caught.value.detail
    folded = settings_for(fake_openai, tmp_path, openai_fold_system_prompt=True)
    fake_openai.script(sql_answer(GOOD_SQL), insights_answer(["ok"], []))
    answer = ask_demo(services_for(folded, app_sessions, demo_sqlite), QUESTION)
    assert answer["row_count"] == 7
    first = fake_openai.chat_requests()[-2]["messages"]
    assert [m["role"] for m in first] == ["user"]
    assert "Schema:" in first[0]["content"]
    assert first[0]["content"].endswith(QUESTION)


def test_repairs_stop_when_the_same_sql_comes_back(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path, llm_max_repairs=3)
    fake_openai.script(
        sql_answer("SELECT missing_column FROM loans"),
        sql_answer("select missing_column\n  from loans;"),  # the same, spelled apart
        sql_answer(GOOD_SQL),
    )
    with pytest.raises(QueryFailed):
        ask_demo(services_for(settings, app_sessions, demo_sqlite), QUESTION)
    assert len(fake_openai.received) == 2


def test_raw_control_characters_in_json_strings_are_accepted(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    """Grammar-constrained servers let a raw newline into a string; no retry is spent on it."""
    chart = {"type": "none", "x": None, "y": None, "color": None, "title": ""}
    raw = json.dumps({"sql": "@", "chart": chart, "explanation": "Counts."})
    fake_openai.script(
        completion(raw.replace("@", GOOD_SQL.replace(" FROM", "\nFROM"))),
        insights_answer(["ok"], []),
    )
    answer = ask_demo(
        services_for(settings_for(fake_openai, tmp_path), app_sessions, demo_sqlite), QUESTION
    )
    assert answer["row_count"] == 7
    assert len(fake_openai.received) == 2


def test_errors_never_carry_the_key(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_sqlite: QueryTarget,
) -> None:
    settings = settings_for(fake_openai, tmp_path)
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    fake_openai.script(error(401, f"Incorrect API key provided: {key}"))
    with pytest.raises(AppError) as caught:
        ask_demo(services_for(settings, app_sessions, demo_sqlite), QUESTION)
    assert key
    assert key not in caught.value.detail
    assert "Check OPENAI_API_KEY" in caught.value.detail
