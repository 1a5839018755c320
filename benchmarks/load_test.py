"""Load test: N concurrent demo users asking questions for a fixed time, loopback only.

Bounded on purpose (at most 200 users, 120 s, and only 127.0.0.1/localhost), so it can never be
pointed at someone else's server by mistake. Each user is an anonymous visitor with its own id,
or a signed-in account when access tokens are given; the backend under test must allow them
enough questions (ANONYMOUS_FREE_QUESTIONS, FREE_MONTHLY_QUOTA).

    python -m benchmarks.load_test --base-url http://127.0.0.1:8000 --users 50 --duration 60
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import psycopg
from backend.demo.catalogue import EXAMPLE_QUESTIONS

from benchmarks.common import percentile

MAX_USERS = 200
MAX_SECONDS = 120.0
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class LoadResult:
    users: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    server_cpu_seconds: float | None = None  # the measured server's CPU time over the run

    @property
    def cpu_ms_per_answer(self) -> float | None:
        if self.server_cpu_seconds is None or not self.latencies_ms:
            return None
        return 1000 * self.server_cpu_seconds / len(self.latencies_ms)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + sum(self.failures.values())

    @property
    def errors(self) -> int:
        return sum(self.failures.values())

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def answered_per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    @property
    def error_share(self) -> float:
        """Percent of the requests that failed."""
        return 100 * self.errors / self.requests if self.requests else 0.0

    def summary(self) -> str:
        lat = self.latencies_ms
        cpu = self.cpu_ms_per_answer
        return (
            f"{self.users} users, {self.seconds:.0f} s: {self.requests} questions "
            f"({self.throughput:.1f}/s), {self.errors} errors {dict(self.failures)}; "
            f"p50 {percentile(lat, 50):.0f} ms, p95 {percentile(lat, 95):.0f} ms, "
            f"p99 {percentile(lat, 99):.0f} ms"
        ) + (f"; {cpu:.0f} ms of server CPU per answer" if cpu is not None else "")


def questions_until(deadline: float, first: int) -> Iterator[str]:
    """The documented example questions in turn from the ``first``-th, until ``deadline``."""
    turn = first
    while time.monotonic() < deadline:
        yield EXAMPLE_QUESTIONS[turn % len(EXAMPLE_QUESTIONS)]
        turn += 1


def check_bounds(base_url: str, users: int, seconds: float) -> None:
    """Refuse anything but a small run against this machine."""
    host = urlsplit(base_url).hostname or ""
    if host not in LOOPBACK:
        raise ValueError(f"the load test only targets loopback addresses, not {host!r}")
    _check_size(users, seconds)


def _check_size(users: int, seconds: float) -> None:
    if not 1 <= users <= MAX_USERS or not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"at most {MAX_USERS} users and {MAX_SECONDS:.0f} s")


async def _user(
    client: httpx.AsyncClient,
    number: int,
    headers: dict[str, str],
    deadline: float,
    result: LoadResult,
) -> None:
    for question in questions_until(deadline, number):
        started = time.perf_counter()
        try:
            response = await client.post("/api/query", json={"question": question}, headers=headers)
        except httpx.HTTPError as error:
            cause = error.__cause__ or error.__context__
            kind = type(error).__name__ + (f" ({type(cause).__name__})" if cause else "")
            result.failures[kind] += 1
            continue
        if response.status_code == 200:
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
        else:
            result.failures[f"HTTP {response.status_code}"] += 1


async def run_load(
    base_url: str, *, users: int = 50, seconds: float = 60.0, tokens: Sequence[str] = ()
) -> LoadResult:
    """Run ``users`` concurrent askers against ``base_url`` for ``seconds``; with ``tokens``
    (one access token per user) they ask signed in."""
    check_bounds(base_url, users, seconds)
    if tokens and len(tokens) != users:
        raise ValueError("one access token per user")
    headers = [
        {"Authorization": f"Bearer {tokens[n]}"}
        if tokens
        else {"X-Anonymous-ID": f"load-user-{n:04d}"}
        for n in range(users)
    ]
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    result = LoadResult(users, seconds)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(_user(client, n, headers[n], deadline, result) for n in range(users))
        )
    return result


def run_raw_load(
    app_db_url: str, sql_by_question: Mapping[str, str], *, users: int, seconds: float
) -> LoadResult:
    """The floor of any implementation under the same load: ``users`` raw psycopg connections
    to the demo of the benchmark's own server, each running the example questions' SQL in turn
    with no pause."""
    _check_size(users, seconds)  # the throwaway server of the run: a local socket
    result = LoadResult(users, seconds)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(number: int) -> None:
        try:
            with psycopg.connect(app_db_url, autocommit=True) as conn:
                conn.execute("SET search_path TO demo")
                for question in questions_until(deadline, number):
                    started = time.perf_counter()
                    conn.execute(sql_by_question[question]).fetchall()
                    with lock:
                        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        except psycopg.Error as error:  # counted, so a floor that failed does not pass as one
            with lock:
                result.failures[type(error).__name__] += 1

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()
    result = asyncio.run(run_load(args.base_url, users=args.users, seconds=args.duration))
    print(result.summary())


if __name__ == "__main__":
    main()
