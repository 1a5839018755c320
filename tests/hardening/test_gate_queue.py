"""A burst of questions above the database limit waits its turn instead of being refused.

Contract: targets.gate (at most ``TARGET_MAX_CONCURRENT`` runs on one database; up to
``USER_DB_MAX_QUEUED`` more wait, first come first served, for ``USER_DB_QUEUE_TIMEOUT_SECONDS``;
one more answers 503 ``database_busy`` with ``Retry-After`` at once; a stopped question leaves
the queue) and main (the worker threads hold every running and waiting run, so health answers
meanwhile). A real backend process on real PostgreSQL, where the slot is held by a statement
that runs until ``QUERY_TIMEOUT_SECONDS``, seen running in ``pg_stat_activity``; and the gate
itself under real threads, for the order, the time limit and a stop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import psycopg
import pytest
from backend.core.cancellation import Cancellation, Cancelled, cancellable
from backend.targets.gate import DatabaseBusy, WorkGate
from devkit.users import register
from httpx_sse import connect_sse
from psycopg.conninfo import conninfo_to_dict

from tests.hardening.conftest import BackendStarter

HOLD_SECONDS = 6  # the heavy statement's time limit: how long it keeps the database's one slot
HEAVY_SQL = "SELECT count(*) AS pairs FROM loans a CROSS JOIN loans b"
QUICK_SQL = "SELECT count(*) AS n FROM loans"
QUEUE_ENV = {
    "TARGET_MAX_CONCURRENT": "1",
    "USER_DB_MAX_QUEUED": "2",
    "USER_DB_QUEUE_TIMEOUT_SECONDS": "25",
    "QUERY_TIMEOUT_SECONDS": str(HOLD_SECONDS),
    "RATE_LIMIT_PER_MINUTE": "0",
    "RATE_LIMIT_USER_PER_MINUTE": "0",
}


def _until(check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_a_burst_waits_for_the_slot_and_only_the_queue_bound_refuses(
    pg_url: str, pg_admin_url: str, start_backend: BackendStarter
) -> None:
    database = conninfo_to_dict(pg_url)["dbname"]
    with (
        start_backend(pg_url, **QUEUE_ENV) as backend,
        psycopg.connect(pg_admin_url, autocommit=True) as watcher,
        httpx.Client(base_url=backend.base_url, timeout=60) as api,
        ThreadPoolExecutor(8) as pool,
    ):
        headers = register(api).headers

        def ask(sql: str) -> Future[tuple[httpx.Response, float]]:
            def call() -> tuple[httpx.Response, float]:
                started = time.monotonic()
                response = api.post("/api/query", json={"sql": sql}, headers=headers)
                return response, time.monotonic() - started

            return pool.submit(call)

        def heavy_running() -> bool:
            # The demo's rows are read through a server-side cursor: while the statement
            # runs, its session shows the cursor's FETCH.
            found = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                "AND backend_type = 'client backend' AND query LIKE 'FETCH%%'",
                (database,),
            ).fetchone()
            return bool(found and found[0])

        def hold_the_slot() -> Future[tuple[httpx.Response, float]]:
            held = ask(HEAVY_SQL)
            _until(lambda: held.done() or heavy_running(), 30)  # slow machines start late
            assert not held.done(), held.result()[0].text
            return held

        # 1. The slot is held: two quick questions queue and are answered after it; the third
        #    and fourth find the queue full and are refused at once; health answers meanwhile.
        heavy = hold_the_slot()
        burst = [ask(QUICK_SQL) for _ in range(4)]
        first_two = _first_done(burst, 2)
        started = time.monotonic()
        health = api.get("/api/health", timeout=10)
        health_seconds = time.monotonic() - started
        assert not heavy.done(), "the slot was held while the burst arrived"
        refused = [f.result() for f in first_two]
        served = [f.result() for f in burst if f not in first_two]
        held = heavy.result()[0]

        assert health.status_code == 200
        assert health_seconds < 3, f"health took {health_seconds:.1f} s with the queue full"
        for response, seconds in refused:
            assert response.status_code == 503, response.text
            assert response.json()["error"] == "database_busy"
            assert "2 more are waiting" in response.json()["detail"]
            assert response.headers["Retry-After"] == "2"
            assert seconds < HOLD_SECONDS
        assert len(served) == 2
        for response, _ in served:
            assert response.status_code == 200, response.text
            assert response.json()["rows"] == [[50_000]]
        assert held.status_code == 422, held.text
        assert held.json()["error"] == "query_timeout"

        # 2. A question stopped while it waits gives its place back: with it gone, two more
        #    fit the queue of two and are both answered.
        heavy = hold_the_slot()
        body = {"sql": QUICK_SQL}
        with connect_sse(api, "POST", "/api/query/stream", json=body, headers=headers) as source:
            events = (sse.event for sse in source.iter_sse())
            assert [next(events) for _ in range(3)] == ["accepted", "sql", "checked"]
            time.sleep(0.5)  # from "checked" the question goes straight into the queue
        time.sleep(0.5)  # the closed stream cancels it
        after_stop = [ask(QUICK_SQL) for _ in range(2)]
        assert not heavy.done(), "the slot was held while the queue was tried"
        outcomes = [f.result()[0] for f in after_stop]
        assert [r.status_code for r in outcomes] == [200, 200], [r.text for r in outcomes]


def _first_done(
    futures: list[Future[tuple[httpx.Response, float]]], count: int
) -> list[Future[tuple[httpx.Response, float]]]:
    """The first ``count`` of ``futures`` to finish (the refused ones end at once)."""
    deadline = time.monotonic() + HOLD_SECONDS * 3
    while True:
        done = [f for f in futures if f.done()]
        if len(done) >= count:
            return done[:count]
        assert time.monotonic() < deadline, "no answers in time"
        time.sleep(0.02)


def _hold(gate: WorkGate, target: str, release: threading.Event) -> threading.Thread:
    """A thread that takes a slot on ``target`` and keeps it until ``release`` is set."""
    entered = threading.Event()

    def run() -> None:
        with gate.admit(target):
            entered.set()
            release.wait(30)

    thread = threading.Thread(target=run)
    thread.start()
    assert entered.wait(10)
    return thread


def test_waiters_are_served_first_come_first_served_and_other_databases_pass() -> None:
    gate = WorkGate(total=2, per_target=1, queued=5, wait_seconds=10)
    release = threading.Event()
    holder = _hold(gate, "a", release)
    order: list[int] = []

    def wait_then_note(number: int) -> None:
        with gate.admit("a"):
            order.append(number)

    waiters = []
    for number in range(3):
        waiters.append(threading.Thread(target=wait_then_note, args=(number,)))
        waiters[-1].start()
        time.sleep(0.1)  # each one is queued before the next arrives
    with gate.admit("b"):  # another database has room: it does not queue behind "a"
        assert order == []
    release.set()
    for thread in [holder, *waiters]:
        thread.join(10)
    assert order == [0, 1, 2]


def test_a_wait_that_runs_out_answers_busy_and_leaves_the_queue() -> None:
    gate = WorkGate(total=4, per_target=1, queued=1, wait_seconds=0.3)
    release = threading.Event()
    holder = _hold(gate, "a", release)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusy, match=r"waited 0\.[3-9] s") as busy, gate.admit("a"):
            pass
        assert 0.3 <= time.monotonic() - started < 3
        assert busy.value.retry_after == 2
        # Its place is free again: the next one queues (and runs out) rather than being
        # refused at once for a full queue.
        with pytest.raises(DatabaseBusy, match="waited"), gate.admit("a"):
            pass
    finally:
        release.set()
        holder.join(10)
    with gate.admit("a"):  # and the slot itself came back
        pass


def test_a_stopped_question_leaves_the_queue_at_once() -> None:
    gate = WorkGate(total=4, per_target=1, queued=1, wait_seconds=30)
    release = threading.Event()
    holder = _hold(gate, "a", release)
    token = Cancellation()
    outcome: list[BaseException] = []

    def ask() -> None:
        try:
            with cancellable(token), gate.admit("a"):
                pass
        except BaseException as error:
            outcome.append(error)

    waiter = threading.Thread(target=ask)
    waiter.start()
    time.sleep(0.2)
    # The queue of one is full.
    with pytest.raises(DatabaseBusy, match="1 more are waiting"), gate.admit("a"):
        pass
    stopped = time.monotonic()
    token.cancel()
    waiter.join(5)
    assert time.monotonic() - stopped < 1
    assert len(outcome) == 1
    assert isinstance(outcome[0], Cancelled)
    gate.configure(total=4, per_target=1, queued=1, wait_seconds=0.2)
    try:
        # Its place is free: this one queues (and runs out) instead of being refused at once.
        with pytest.raises(DatabaseBusy, match="waited"), gate.admit("a"):
            pass
    finally:
        release.set()
        holder.join(10)


def test_a_question_stopped_before_it_queues_takes_no_place() -> None:
    gate = WorkGate(total=4, per_target=1, queued=1, wait_seconds=0.2)
    release = threading.Event()
    holder = _hold(gate, "a", release)
    token = Cancellation()
    token.cancel()
    try:
        with pytest.raises(Cancelled), cancellable(token), gate.admit("a"):
            pass
        # The queue of one is empty again: this one waits (and runs out) instead.
        with pytest.raises(DatabaseBusy, match="waited"), gate.admit("a"):
            pass
    finally:
        release.set()
        holder.join(10)
