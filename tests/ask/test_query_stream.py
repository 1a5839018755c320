"""POST /api/query/stream on a real backend process, read by an httpx streaming client: the
events of one question in order (contract.ask_events), charged once like POST /api/query; the
SQL ahead of the model's insights with a slow OpenAI stand-in (chat-completions streaming wire
format, through the official client); and Stop: closing the stream, or
POST /api/query/{id}/cancel, ends the statement on the user's PostgreSQL server, charges
nothing and leaves the pooled connection idle for the next question.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import pytest
from contract.ask_events import (
    ASK_EVENT,
    Accepted,
    AskEvent,
    Checked,
    Done,
    Failed,
    InsightDelta,
    RowsReady,
)
from devkit.fake_openai import FakeOpenAI, insights_answer, slow, sql_answer
from devkit.processes import RunningProcess, backend_command, run_service
from httpx_sse import EventSource, connect_sse
from psycopg import sql

from tests.ask.test_query_api import QUIET, anon, register, start_backend
from tests.conftest import with_database
from tests.tenancy.conftest import UserDatabase, backend_env, user_db

__all__ = ["start_backend", "user_db"]

E = TypeVar("E")
HEAVY_SQL = "SELECT count(*) AS pairs FROM big a CROSS JOIN big b CROSS JOIN big c"


def stream(
    api: httpx.Client, body: dict[str, Any], headers: dict[str, str]
) -> list[tuple[float, AskEvent]]:
    """Every event of one streamed question, with the seconds since the request was sent."""
    started = time.perf_counter()
    with connect_sse(api, "POST", "/api/query/stream", json=body, headers=headers) as source:
        assert source.response.status_code == 200, source.response.read()
        return [(time.perf_counter() - started, event) for event in _events(source)]


def _events(source: EventSource) -> Iterator[AskEvent]:
    for sse in source.iter_sse():
        event = ASK_EVENT.validate_json(sse.data)
        assert sse.event == event.type
        yield event


def types(events: list[tuple[float, AskEvent]]) -> list[str]:
    kinds = [event.type for _, event in events]
    # Insight deltas are as many as the text has pieces: one entry stands for a run of them.
    return [k for i, k in enumerate(kinds) if k != "insight" or kinds[i - 1] != "insight"]


def first(events: list[tuple[float, AskEvent]], kind: type[E]) -> E:
    return next(event for _, event in events if isinstance(event, kind))


def quota_left(api: httpx.Client, user: dict[str, str]) -> int:
    me = api.get("/api/auth/me", headers=user)
    assert me.status_code == 200, me.text
    return int(me.json()["quota"]["remaining"])


def test_events_arrive_in_order_and_are_charged_once_like_the_plain_answer(
    start_backend: Any,
) -> None:
    """Contract: POST /api/query/stream (contract.ask_events) on PostgreSQL: the step events in
    order, `done` with the same answer shape as POST /api/query, one charge; refusals before
    the start answer as there, failures after it are `error` events."""
    api = start_backend("postgres", FREE_MONTHLY_QUOTA="3")
    user = register(api)

    events = stream(api, {"question": "How many loans per purpose?"}, user)
    assert types(events) == ["accepted", "sql", "checked", "rows", "chart", "insight", "done"]
    rows, checked, done = first(events, RowsReady), first(events, Checked), first(events, Done)
    assert rows.columns == done.answer.columns == ["purpose", "loan_count"]
    assert rows.row_count == 14
    assert checked.sql == done.answer.sql
    deltas = [e for _, e in events if isinstance(e, InsightDelta) and e.section == "insights"]
    assert [d.delta for d in deltas] == done.answer.insights  # the offline engine's sentences
    assert done.answer.quota.remaining == 2
    elapsed = [event.elapsed_ms for _, event in events if hasattr(event, "elapsed_ms")]
    assert elapsed == sorted(elapsed)

    plain = api.post("/api/query", json={"question": "How many loans per purpose?"}, headers=user)
    assert plain.status_code == 200, plain.text
    assert set(plain.json()) == set(done.answer.model_dump())
    assert plain.json()["quota"]["remaining"] == 1  # the streamed question was charged once

    refused = stream(api, {"sql": "DELETE FROM loans"}, user)
    assert types(refused) == ["accepted", "sql", "error"]
    failure = refused[-1][1]
    assert isinstance(failure, Failed)
    assert (failure.status, failure.body.error) == (400, "sql_refused")
    assert quota_left(api, user) == 1  # a failure costs nothing

    invalid = api.post("/api/query/stream", json={"question": "   "}, headers=user)
    assert invalid.status_code == 422
    assert invalid.json()["error"] == "invalid_input"
    visitor = anon()
    assert stream(api, {"question": "How many loans?"}, visitor)[-1][1].type == "done"
    again = api.post("/api/query/stream", json={"question": "How many loans?"}, headers=visitor)
    assert again.status_code == 402
    assert again.json()["error"] == "quota_exceeded"


def test_sql_arrives_before_the_insights_are_written_and_well_before_done(
    start_backend: Any, fake_openai: FakeOpenAI
) -> None:
    """Contract: with a model that writes its insights slowly, the `sql` and `rows` events come
    first and the insights arrive piece by piece as the model writes them."""
    api = start_backend(
        "embedded", OPENAI_API_KEY="test-key-for-the-fake", OPENAI_BASE_URL=fake_openai.base_url
    )
    insights = ["Debt consolidation is most of the book.", "Education loans are rare."]
    fake_openai.script(
        sql_answer("SELECT purpose, COUNT(*) AS loans FROM loans GROUP BY purpose"),
        slow(insights_answer(insights, ["Review the concentration."]), token_delay=0.04),
    )
    events = stream(api, {"question": "How many loans per purpose?"}, anon())
    assert types(events) == ["accepted", "sql", "checked", "rows", "chart", "insight", "done"]
    at = {event.type: seconds for seconds, event in reversed(events)}  # first of each type
    done_at = events[-1][0]
    assert at["sql"] < at["rows"] < at["insight"]
    assert done_at - at["sql"] > 1.0, (at, done_at)  # about 40 tokens at 0.04 s each
    pieces = [e for _, e in events if isinstance(e, InsightDelta) and e.section == "insights"]
    assert len(pieces) > len(insights)  # written as the model writes, not sentence by sentence
    written = ["".join(p.delta for p in pieces if p.index == i) for i in range(len(insights))]
    final = events[-1][1]
    assert isinstance(final, Done)
    assert written == final.answer.insights == insights


@contextmanager
def heavy_table(user_db: UserDatabase, pg_admin_url: str) -> Iterator[None]:
    """A table whose three-way cross join keeps PostgreSQL busy for hours."""
    with psycopg.connect(with_database(pg_admin_url, user_db.name), autocommit=True) as conn:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(user_db.role)))
        conn.execute("CREATE TABLE big AS SELECT g AS n FROM generate_series(1, 20000) g")
    yield


def running_statements(admin: psycopg.Connection[Any], database: str) -> list[tuple[int, str]]:
    """(pid, state) of the backend's connections to ``database``, and whether they run the
    heavy query."""
    rows = admin.execute(
        "SELECT pid, state, query FROM pg_stat_activity WHERE datname = %s "
        "AND application_name = 'eaa-assistant'",
        (database,),
    ).fetchall()
    return [
        (pid, "heavy" if state == "active" and "CROSS JOIN" in query else state or "")
        for pid, state, query in rows
    ]


def wait_for(check: Any, seconds: float) -> float:
    """Seconds until ``check()`` is true; fails after ``seconds``."""
    started = time.perf_counter()
    while not check():
        assert time.perf_counter() - started < seconds, "condition not met in time"
        time.sleep(0.02)
    return time.perf_counter() - started


def wait_value(get: Any, seconds: float) -> Any:
    """The first value ``get()`` returns that is not None; fails after ``seconds``."""
    found: list[Any] = [None]

    def got() -> bool:
        found[0] = get()
        return found[0] is not None

    wait_for(got, seconds)
    return found[0]


@pytest.fixture
def own_database_backend(
    pg_url: str, user_db: UserDatabase, pg_admin_url: str, work_dir: Path
) -> Iterator[tuple[RunningProcess, UserDatabase]]:
    with (
        heavy_table(user_db, pg_admin_url),
        run_service(
            backend_command(),
            env=backend_env(pg_url, QUERY_TIMEOUT_SECONDS="120", **QUIET),
            health_path="/api/health",
            log_dir=work_dir,
        ) as backend,
    ):
        yield backend, user_db


def test_stop_cancels_the_statement_on_the_server_and_charges_nothing(
    own_database_backend: tuple[RunningProcess, UserDatabase], pg_admin_url: str
) -> None:
    """Contract: closing the stream, or POST /api/query/{id}/cancel by its owner (only), ends
    the running statement on the user's PostgreSQL server within about a second; the question
    is recorded but not charged; the pooled connection is returned idle and answers again."""
    backend, database = own_database_backend
    with (
        httpx.Client(base_url=backend.base_url, timeout=60.0) as api,
        psycopg.connect(pg_admin_url, autocommit=True) as admin,
    ):
        owner = register(api)
        created = api.post(
            "/api/connections",
            json={"name": "big db", "url": database.url, "ssl_mode": "disable"},
            headers=owner,
        )
        assert created.status_code == 201, created.text
        heavy = {"sql": HEAVY_SQL, "connection_id": created.json()["id"]}
        before = quota_left(api, owner)

        def heavy_pid() -> int | None:
            pids = [
                pid for pid, what in running_statements(admin, database.name) if what == "active"
            ]
            return pids[0] if pids else None

        def running_pid() -> int | None:
            """The statement's backend once it has run a while: the settings, the column probe
            and the cursor's DECLARE are each active only for a moment, the FETCH for long."""
            first = heavy_pid()
            if first is None:
                return None
            time.sleep(0.2)
            return first if heavy_pid() == first else None

        # 1. Stop by closing the stream once the statement runs.
        with connect_sse(api, "POST", "/api/query/stream", json=heavy, headers=owner) as source:
            events = _events(source)
            seen = [next(events).type for _ in range(3)]
            pid = wait_value(running_pid, 30)  # slow machines start late
        took = wait_for(lambda: heavy_pid() is None, 5)
        print(f"statement gone {took:.3f} s after the stream closed")
        assert took < 1.5
        assert seen == ["accepted", "sql", "checked"]
        wait_for(lambda: dict(running_statements(admin, database.name)).get(pid) == "idle", 5)
        assert quota_left(api, owner) == before

        # 2. Stop by id: someone else cannot, the owner can, and the stream says so.
        stranger = register(api)
        with connect_sse(api, "POST", "/api/query/stream", json=heavy, headers=owner) as source:
            events = _events(source)
            accepted = next(events)
            assert isinstance(accepted, Accepted)
            wait_value(running_pid, 30)  # slow machines start late
            cancel = f"/api/query/{accepted.id}/cancel"
            assert api.post(cancel, headers=stranger).status_code == 404
            assert heavy_pid() is not None
            stopped = time.perf_counter()
            assert api.post(cancel, headers=owner).status_code == 204
            rest = list(events)
        took = wait_for(lambda: heavy_pid() is None, 5) + (time.perf_counter() - stopped)
        print(f"statement gone and stream ended {took:.3f} s after the cancel request")
        assert took < 1.5
        assert [e.type for e in rest][-1] == "error"
        failure = rest[-1]
        assert isinstance(failure, Failed)
        assert failure.body.error == "cancelled"
        assert api.post(cancel, headers=owner).status_code == 404  # it is no longer running
        assert quota_left(api, owner) == before

        history = api.get("/api/history", headers=owner).json()["items"]
        assert [item["status"] for item in history[:2]] == ["error", "error"]

        # The pool is whole: a quick question on the same connection answers.
        quick = api.post(
            "/api/query",
            json={"sql": "SELECT count(*) AS n FROM big", "connection_id": heavy["connection_id"]},
            headers=owner,
        )
        assert quick.status_code == 200, quick.text
        assert quick.json()["rows"] == [[20000]]
        assert quota_left(api, owner) == before - 1
        assert "cancel callback failed" not in backend.log()


def test_stop_interrupts_a_query_on_the_embedded_database(start_backend: Any) -> None:
    """Contract: on SQLite (the embedded demo) a stop interrupts the running statement: the
    stream ends with `cancelled` at once instead of at the time limit."""
    api = start_backend("embedded", QUERY_TIMEOUT_SECONDS="120")
    user = register(api)
    body = {"sql": "SELECT count(*) AS pairs FROM loans a CROSS JOIN loans b"}
    with connect_sse(api, "POST", "/api/query/stream", json=body, headers=user) as source:
        events = _events(source)
        accepted = next(events)
        assert isinstance(accepted, Accepted)
        assert [next(events).type, next(events).type] == ["sql", "checked"]
        timer = threading.Timer(
            0.5, lambda: api.post(f"/api/query/{accepted.id}/cancel", headers=user)
        )
        started = time.perf_counter()
        timer.start()
        last = list(events)[-1]
        took = time.perf_counter() - started
    timer.join()
    assert isinstance(last, Failed)
    assert last.body.error == "cancelled"
    assert took < 2.0, took
