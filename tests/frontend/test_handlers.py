"""Every event handler of the web app, called through gradio_client against a real frontend
talking to a real backend on embedded defaults (contract: the HTTP API in the API contract).
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import httpx
from gradio_client import handle_file

from tests.frontend.conftest import Stack, anonymous_id
from tests.tenancy.conftest import tcp_url

DEMO_QUESTION = "What is the default rate by grade?"
# /analyze, /run_sql and /enable_tables stream into the answer's parts, in this order; /rerun
# (one call that also draws the controls) adds the CSV file button after them.
ANSWER_FIELDS = (
    "status", "message", "sql", "columns", "table", "page_label", "notice", "chart", "insights",
    "headline", "quota", "session",
)  # fmt: skip
RUN_FIELDS = (*ANSWER_FIELDS, "csv")


def is_update(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "update" and "value" not in value


def collect(client: Any, *args: Any, api_name: str) -> dict[str, Any]:
    """All yields of a generator event merged: each output's last real value."""
    job = client.submit(*args, api_name=api_name)
    job.result()
    merged: dict[str, Any] = {}
    for output in job.outputs():
        fields = RUN_FIELDS if api_name == "/rerun" else ANSWER_FIELDS
        for name, value in zip(fields, output, strict=True):
            if not is_update(value):
                merged[name] = (
                    value.get("value") if isinstance(value, dict) and "__type__" in value else value
                )
    return merged


def ask(client: Any, session: dict[str, Any], question: str) -> dict[str, Any]:
    return collect(client, session, question, "demo", api_name="/analyze")


def test_init_loads_example_questions_and_the_demo_info_panel(stack: Stack) -> None:
    examples, panel, session = stack.client().predict(None, api_name="/init")
    assert len(examples["choices"]) >= 3
    assert "loan" in panel.lower()
    assert session["anon_id"].startswith("anon_")


def test_anonymous_visitor_gets_one_question_then_the_signup_prompt(stack: Stack) -> None:
    client = stack.client()
    session = {"anon_id": anonymous_id()}
    first = ask(client, session, DEMO_QUESTION)
    assert "select" in first["sql"].lower()
    assert first["table"]["data"], first
    assert first["chart"] is not None
    assert "Insights" in first["insights"]
    assert "✓ Insights" in first["status"]
    assert "free demo question" in first["quota"]
    assert not first["message"]  # the streamed answer ended with its answer, nothing to warn

    second = ask(client, session, "How many loans are there?")
    assert "Sign up free" in second["message"]
    assert "sql" not in second or second["sql"] == first["sql"]


def test_signed_in_question_shows_quota_pages_and_follows_up(stack: Stack) -> None:
    client = stack.client()
    session = stack.register()
    result = collect(client, session, "SELECT * FROM loans", "demo", api_name="/run_sql")
    assert "questions left this month" in result["quota"]
    assert len(result["table"]["data"]) == 25
    assert result["page_label"].startswith("Rows 1–25 of")
    table, label = client.predict(api_name="/next_page")
    assert label.startswith("Rows 26–50 of")
    assert table["data"] != result["table"]["data"]
    assert client.predict(api_name="/previous_page")[1].startswith("Rows 1–25")

    assert "cut at the row cap" in result["notice"]  # 50,000 loans > the row cap

    follow_up = ask(client, session, DEMO_QUESTION)
    assert follow_up["table"]["data"]
    message = client.predict(api_name="/new_conversation")
    assert "New conversation" in message
    fresh = ask(client, session, "How many loans are there?")
    assert fresh["table"]["data"]
    items = history_items(stack, session)
    conversations = [item["conversation_id"] for item in reversed(items)]
    assert conversations[0] == conversations[1] != conversations[2]


def history_items(stack: Stack, session: dict[str, Any]) -> list[dict[str, Any]]:
    response = httpx.get(
        stack.backend_url + "/api/history",
        headers={"Authorization": f"Bearer {session['access_token']}"},
        timeout=30,
    )
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_edited_sql_runs_and_a_write_is_refused_with_an_explanation(stack: Stack) -> None:
    client = stack.client()
    session = stack.register()
    ok = collect(client, session, "SELECT grade, COUNT(*) AS n FROM loans GROUP BY grade", "demo",
                 api_name="/run_sql")  # fmt: skip
    assert ok["table"]["headers"] == ["Grade", "N"]  # labels for people; the SQL keeps aliases
    assert ok["columns"] == "**Columns:** Grade ← grade · N ← n"  # the aliases, under the SQL
    refused = collect(client, session, "DELETE FROM loans", "demo", api_name="/run_sql")
    assert "read-only SELECT" in refused["message"]
    assert "Traceback" not in refused["message"]
    empty = collect(client, session, "   ", "demo", api_name="/run_sql")
    assert "no SQL" in empty["message"]


def test_feedback_needs_an_account_and_is_saved_for_one(stack: Stack) -> None:
    anonymous = stack.client()
    message, _ = anonymous.predict({"anon_id": anonymous_id()}, api_name="/thumbs_up")
    assert "Sign in" in message

    client = stack.client()
    session = stack.register()
    ask(client, session, DEMO_QUESTION)
    message, kept = client.predict(session, api_name="/thumbs_down")
    assert "feedback saved" in message
    assert kept == session
    assert history_items(stack, session)[0]["feedback"] == -1


def test_tokens_refreshed_by_any_handler_are_kept_in_the_browser(stack: Stack) -> None:
    """The backend rotates refresh tokens and ends a sign-in whose spent token comes back, so
    a handler that refreshed must hand the new pair back to the browser session."""
    client = stack.client()
    session = stack.register()
    ask(client, session, DEMO_QUESTION)
    message, kept = client.predict(
        {**session, "access_token": "expired-token"}, api_name="/thumbs_up"
    )
    assert "feedback saved" in message
    assert kept["refresh_token"] != session["refresh_token"]
    _table, label, after = client.predict(
        {**kept, "access_token": "expired-token"}, api_name="/history"
    )
    assert label.startswith("1 questions")
    assert after["refresh_token"] != kept["refresh_token"]


def test_history_lists_questions_and_the_answer_shown_reruns(stack: Stack) -> None:
    client = stack.client()
    session = stack.register()
    nothing = collect(client, session, api_name="/rerun")
    assert "Open a question from History first" in nothing["message"]
    asked = ask(client, session, DEMO_QUESTION)
    table, label, _session = client.predict(session, api_name="/history")
    assert table["data"][0][1] == DEMO_QUESTION
    assert label == "1 questions · page 1/1 · pick one to open its answer"
    rerun = collect(client, session, api_name="/rerun")
    assert rerun["table"]["data"] == asked["table"]["data"]
    assert "✓ Insights" in rerun["status"]
    assert len(history_items(stack, session)) == 2


def test_history_pages_through_older_questions(stack: Stack) -> None:
    client = stack.client()
    session = stack.register()
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    for n in range(11):
        body = {"sql": f"SELECT {n} AS n", "connection_id": "demo"}
        response = httpx.post(stack.backend_url + "/api/query", json=body, headers=headers)
        assert response.status_code == 200, response.text
    first, label, _ = client.predict(session, api_name="/history")
    assert label.startswith("11 questions · page 1/2")
    assert len(first["data"]) == 10
    older, label, _ = client.predict(session, api_name="/history_older")
    assert label.startswith("11 questions · page 2/2")
    assert [row[1] for row in older["data"]] == ["SELECT 0 AS n"]
    newer, label, _ = client.predict(session, api_name="/history_newer")
    assert label.startswith("11 questions · page 1/2")
    assert newer["data"] == first["data"]


def test_history_asks_anonymous_visitors_to_sign_in(stack: Stack) -> None:
    _table, label, _session = stack.client().predict(
        {"anon_id": anonymous_id()}, api_name="/history"
    )
    assert "Sign in" in label


def test_sign_up_sign_in_wrong_password_and_sign_out(stack: Stack) -> None:
    client = stack.client()
    email = f"{anonymous_id()}@example.com"
    session, notice, _password = client.predict(
        None, "signup", email, "a long enough password", api_name="/authenticate"
    )
    assert notice == f"Welcome, {email}!"
    assert session["access_token"]

    _, wrong, _ = client.predict(
        None, "signin", email, "not the password", api_name="/authenticate"
    )
    assert "don't match" in wrong
    again, notice, _ = client.predict(
        None, "signin", email, "a long enough password", api_name="/authenticate"
    )
    assert again["access_token"] != session["access_token"]

    signed_out = client.predict(again, api_name="/sign_out")
    assert "access_token" not in signed_out
    assert signed_out["anon_id"] == again["anon_id"]
    assert (
        httpx.get(
            stack.backend_url + "/api/auth/me",
            headers={"Authorization": f"Bearer {again['access_token']}"},
        ).status_code
        == 401
    )


def test_a_401_refreshes_once_and_an_expired_session_returns_to_sign_in(stack: Stack) -> None:
    client = stack.client()
    session = stack.register()
    stale = {**session, "access_token": "expired-token"}
    picked, _tables, message, refreshed = client.predict(stale, api_name="/connections")
    assert message == ""
    assert picked["choices"] == []
    assert refreshed["access_token"] != "expired-token"
    me = httpx.get(
        stack.backend_url + "/api/auth/me",
        headers={"Authorization": f"Bearer {refreshed['access_token']}"},
    )
    assert me.json()["email"] == session["email"]

    dead = {**session, "access_token": "expired-token", "refresh_token": "revoked"}
    _picked, _tables, message, after = client.predict(dead, api_name="/connections")
    assert "sign in again" in message
    assert "access_token" not in after
    assert after["notice"] == "Your session has expired. Please sign in again."


def test_voice_without_a_key_says_it_needs_one(stack: Stack, tmp_path: Path) -> None:
    recording = tmp_path / "question.wav"
    with wave.open(str(recording), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x00" * 8000)
    text, message, _ = stack.client().predict(
        {"anon_id": anonymous_id()}, handle_file(str(recording)), "draft", api_name="/transcribe"
    )
    assert text == "draft"
    assert "Sign in to use voice input" in message  # it would spend the operator's paid API
    text, message, _ = stack.client().predict(
        stack.register(), handle_file(str(recording)), "draft", api_name="/transcribe"
    )
    assert text == "draft"
    assert "Voice input needs an OpenAI API key" in message


def test_connections_test_save_choose_tables_and_delete(
    stack: Stack, pg_url: str, tmp_path: Path
) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE sales (id int primary key, amount numeric)")
        conn.execute("CREATE TABLE regions (id int primary key, name text)")
        conn.execute("INSERT INTO regions VALUES (1, 'North'), (2, 'South')")
    user_url = tcp_url(pg_url)  # users' connections are network ones, never sockets
    client = stack.client()
    session = stack.register()
    tested, _ = client.predict(session, user_url, None, "disable", api_name="/test_connection")
    assert tested.startswith("✓ Connected"), tested

    env_file = tmp_path / "finance.env"
    env_file.write_text(f"# exported settings\nDATABASE_URL={user_url}\nOTHER=1\n")
    message, picked, tables, _url, _ = client.predict(
        session, "Finance", "", handle_file(str(env_file)), "disable", api_name="/save_connection"
    )
    assert "Saved **Finance**" in message
    connection_id = picked["value"]
    assert {"sales", "regions"} <= {choice[0] for choice in tables["choices"]}

    saved, _, tables, _ = client.predict(session, connection_id, ["sales"], api_name="/save_tables")
    assert saved == "✓ Tables saved."
    assert tables["value"] == ["sales"]
    refused = collect(client, session, "SELECT name FROM regions ORDER BY id", connection_id,
                      api_name="/run_sql")  # fmt: skip
    assert "needs regions, which is switched off" in refused["message"]
    retried = collect(client, session, api_name="/enable_tables")
    assert retried["table"]["data"] == [["North"], ["South"]]
    _, _, both, _ = client.predict(session, connection_id, [], api_name="/connection_tables")
    assert sorted(both["value"]) == ["regions", "sales"]

    _, _, everything, _ = client.predict(session, connection_id, [], api_name="/select_all_tables")
    assert set(everything["value"]) >= {"sales", "regions"}

    deleted, picked, _, _ = client.predict(
        session, connection_id, [], api_name="/delete_connection"
    )
    assert deleted == "Connection deleted."
    assert connection_id not in {choice[1] for choice in picked["choices"]}


def test_connections_need_an_account(stack: Stack) -> None:
    message, _ = stack.client().predict(
        {"anon_id": anonymous_id()}, "postgresql://u@h/db", None, "require",
        api_name="/test_connection",
    )  # fmt: skip
    assert "Sign in" in message


def test_connections_offer_mysql_and_test_a_mariadb_database(
    stack: Stack, mysql_server: Any, mysql_demo: str
) -> None:
    """Choosing "MySQL / MariaDB" shows its URL and .env spelling; a MariaDB URL is tested
    through the same handler as a PostgreSQL one."""
    client = stack.client()
    url_box, env_box = client.predict("MySQL / MariaDB", api_name="/connection_kind")
    assert url_box["placeholder"] == "mysql://user:password@host:3306/dbname"
    assert "MYSQL_HOST" in env_box["label"]
    url_box, _ = client.predict("PostgreSQL", api_name="/connection_kind")
    assert url_box["placeholder"].startswith("postgresql://")

    tested, _ = client.predict(
        stack.register(), mysql_server.url(mysql_demo), None, "disable",
        api_name="/test_connection",
    )  # fmt: skip
    assert tested.startswith("✓ Connected to mysql://"), tested
    assert "(MySQL / MariaDB, 2 tables)" in tested


def test_an_uploaded_spreadsheet_shows_its_tables_and_answers(stack: Stack, tmp_path: Path) -> None:
    from tests.uploads.files import sales_csv

    client = stack.client()
    session = stack.register()
    sales = tmp_path / "Q3 Sales.csv"
    sales.write_bytes(sales_csv())
    message, picked, tables, _ = client.predict(
        session, "", handle_file(str(sales)), api_name="/upload_file"
    )
    assert message.startswith("✓ **Q3 Sales** became 1 table(s):"), message
    assert "q3\\_sales (5 rows)" in message
    assert [choice[0] for choice in tables["choices"]] == ["q3_sales"]
    answer = collect(
        client, session, "Total amount by region", picked["value"], api_name="/analyze"
    )
    assert [row[0] for row in answer["table"]["data"]] == ["South", "North"], answer

    hostile = tmp_path / "ragged.csv"
    hostile.write_text("<img src=x>,amount\nNorth,1\nSouth\n")
    refused, unchanged, _, _ = client.predict(
        session, "", handle_file(str(hostile)), api_name="/upload_file"
    )
    assert refused.startswith("⚠ Row 3 has 1 values"), refused
    assert is_update(unchanged)
    nothing, _, _, _ = client.predict(session, "", None, api_name="/upload_file")
    assert nothing.startswith("⚠ Choose a CSV")
