"""Load test through the web app: signed-in users ask questions via the Gradio app's API.

Each simulated user is one gradio_client session, what a browser tab is to the frontend: it
signs in with its email and password through the app's ``/authenticate`` endpoint, then asks
the documented example questions in turn through ``/analyze`` (the Analyze button; the
frontend streams each answer from the backend) with no pause. An answer counts when the app
shows its table and no message; whatever it shows instead (a refusal, an outage) is a failure,
counted by its first words. The baseline is the backend-direct load test run by the same
signed-in accounts for the same time just before. Same bounds as ``benchmarks.load_test``.
The web app's CPU time (``/proc``) over the asking, sign-ins left out, is given per answer.

    python -m benchmarks.frontend_load --users 50 --duration 30 [--against DIR --rounds 3]

starts its own throwaway PostgreSQL, backend and frontend on loopback and prints both runs.
With ``--against`` the web app of checkout DIR takes turns with this one's instead, round after
round, in front of the same backend with the same accounts (the backend-direct run is left out).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.postgres import throwaway_server
from devkit.users import Account, register
from gradio_client import Client

from benchmarks.common import Service, cpu_seconds, median, percentile
from benchmarks.load_test import LoadResult, check_bounds, questions_until, run_load
from benchmarks.stack import backend_env, prepare_database, running_backend, running_frontend

# /analyze's outputs follow the result view's order, which grows with the page: only the
# message's place (second, after the status) is relied on; the table and the session (its
# tokens, maybe refreshed) are told apart by their contents.
MESSAGE = 1
SETUP_THREADS = 8  # sign-ups and sign-ins before the clock starts (each hashes a password)


@dataclass
class _User:
    client: Any  # gradio_client.Client (untyped)
    session: dict[str, Any]


def sign_up(backend_url: str, users: int) -> list[Account]:
    """``users`` new accounts, signed up on the backend as a person does."""
    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        return list(pool.map(lambda _: register(backend_url), range(users)))


def _sign_in(frontend_url: str, account: Account) -> _User:
    client = Client(frontend_url + "/", verbose=False)
    session, notice, _ = client.predict(
        None, "signin", account.email, account.password, api_name="/authenticate"
    )
    if not isinstance(session, dict) or "access_token" not in session:
        raise RuntimeError(f"sign-in through the web app failed: {notice}")
    return _User(client, session)


def _first(outputs: tuple[Any, ...], key: str) -> dict[str, Any] | None:
    """The first output that is a mapping holding ``key``."""
    return next((out for out in outputs if isinstance(out, dict) and key in out), None)


def _ask_until(
    user: _User, number: int, deadline: float, result: LoadResult, lock: threading.Lock
) -> None:
    for question in questions_until(deadline, number):
        started = time.perf_counter()
        try:
            shown = user.client.predict(user.session, question, "demo", api_name="/analyze")
        except Exception as error:  # the app itself failed (its queue, the connection)
            with lock:
                result.failures[type(error).__name__] += 1
            continue
        elapsed_ms = (time.perf_counter() - started) * 1000
        session = _first(shown, "access_token")
        if session is not None:
            user.session = session
        table = _first(shown, "headers")
        with lock:
            if not shown[MESSAGE] and table is not None and table.get("data"):
                result.latencies_ms.append(elapsed_ms)
            else:
                result.failures[" ".join(str(shown[MESSAGE]).split()[:8]) or "no table"] += 1


def run_frontend_load(frontend: Service, accounts: Sequence[Account], seconds: float) -> LoadResult:
    """One signed-in web-app session per account asking for ``seconds``."""
    check_bounds(frontend.base_url, len(accounts), seconds)
    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        users = list(pool.map(lambda account: _sign_in(frontend.base_url, account), accounts))
    result = LoadResult(len(users), seconds)
    cpu_before = cpu_seconds(frontend.process.pid)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_ask_until, args=(user, n, deadline, result, lock))
        for n, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.server_cpu_seconds = cpu_seconds(frontend.process.pid) - cpu_before
    return result


def compare(backend_url: str, work: Path, *, users: int, seconds: float) -> tuple[LoadResult, ...]:
    """Backend-direct, then through a frontend started on ``backend_url``: the same signed-in
    users for the same time. Returns (direct, through the frontend)."""
    accounts = sign_up(backend_url, users)
    tokens = [account.access_token for account in accounts]
    direct = asyncio.run(run_load(backend_url, users=users, seconds=seconds, tokens=tokens))
    with running_frontend(backend_url, work) as frontend:
        through = run_frontend_load(frontend, accounts, seconds)
    return direct, through


def side_by_side(
    backend_url: str, work: Path, other: Path, *, users: int, seconds: float, rounds: int
) -> str:
    """This checkout's web app and ``other``'s in turn, in front of one backend, same users."""
    accounts = sign_up(backend_url, users)
    runs: dict[str, list[LoadResult]] = {"this": [], "other": []}
    for number in range(1, rounds + 1):
        for name, root in (("this", None), ("other", other)):
            with running_frontend(backend_url, work, root) as frontend:
                runs[name].append(run_frontend_load(frontend, accounts, seconds))
            print(f"round {number}, {name}: {runs[name][-1].summary()}", flush=True)

    def middle(name: str, pick: Callable[[LoadResult], float | None]) -> float:
        return median([value for run in runs[name] if (value := pick(run)) is not None])

    lines = [f"medians of {rounds} rounds (this ÷ other):"]
    for label, pick in (
        ("web app CPU ms per answer", lambda r: r.cpu_ms_per_answer),
        ("answered per second", lambda r: r.answered_per_second),
        ("latency p95 ms", lambda r: percentile(r.latencies_ms, 95)),
    ):
        this, that = middle("this", pick), middle("other", pick)
        ratio = f"{this / that:.2f}×" if that else "—"
        lines.append(f"  {label}: this {this:.1f}, other {that:.1f} ({ratio})")
    return "\n".join(lines)


def describe(direct: LoadResult, through: LoadResult) -> str:
    def ratio(pick: Callable[[LoadResult], float]) -> str:
        base = pick(direct)
        return f"{pick(through) / base:.2f}×" if base else "—"

    return (
        f"backend direct: {direct.summary()}\n"
        f"through the web app: {through.summary()}\n"
        f"through ÷ direct: answered/s {ratio(lambda r: r.answered_per_second)}, "
        f"p50 {ratio(lambda r: percentile(r.latencies_ms, 50))}, "
        f"p95 {ratio(lambda r: percentile(r.latencies_ms, 95))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--against", type=Path, help="another checkout's web app, in turns")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="eaa-frontend-load-"))
    print(f"working in {work}", flush=True)
    with throwaway_server() as server:
        app_url = server.url("app")
        prepare_database(server.url(), app_url)
        with running_backend(backend_env(app_url, work), work) as backend:
            if args.against:
                print(
                    side_by_side(
                        backend.base_url,
                        work,
                        args.against.resolve(),
                        users=args.users,
                        seconds=args.duration,
                        rounds=args.rounds,
                    )
                )
                return
            direct, through = compare(
                backend.base_url, work, users=args.users, seconds=args.duration
            )
    print(describe(direct, through))


if __name__ == "__main__":
    main()
