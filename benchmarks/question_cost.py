"""The cost of one question, this checkout against another one, side by side in one run.

    python -m benchmarks.question_cost --against ../old-checkout [--rounds 3] [--seconds 30]

Each checkout gets its own app database (migrated and loaded by its own code) on one throwaway
PostgreSQL, and its backend is started with the deploy's command and the same settings; the
two take turns, round after round, so a machine that gets busier weighs on both. Per backend
and round: the pipeline overhead against raw psycopg on the same SQL (``benchmarks.pipeline``),
the app-database round trips of one anonymous demo question (the server's statement log:
every statement, BEGIN, COMMIT and the pool's pre-ping, the demo query itself left out), and
the CPU time of the backend process (``/proc``) per request under the load test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import psycopg
from backend.demo.catalogue import EXAMPLE_QUESTIONS
from devkit.postgres import PostgresServer, throwaway_server
from devkit.processes import REPO_ROOT

from benchmarks import pipeline
from benchmarks.common import backend_settings, cpu_seconds, percentile, source_path, started
from benchmarks.load_test import run_load

# Run by each checkout's own code, so each database has that checkout's schema.
_PREPARE = """
import sys, psycopg
from backend.core.config import Settings, normalize_database_url
from backend.data.database import make_engine, upgrade
from backend.demo import load
admin, app, name = sys.argv[1:4]
with psycopg.connect(admin, autocommit=True) as conn:
    conn.execute(f"CREATE DATABASE {name}")
engine = make_engine(Settings(), url=normalize_database_url(app))
upgrade(engine)
load.load_postgres(engine)
engine.dispose()
"""
_STATEMENT = re.compile(r"^\[(\d+)\] LOG:  (?:statement|execute [^:]*): (.*)$", re.MULTILINE)


def _log_statements(server: PostgresServer, on: bool) -> None:
    with psycopg.connect(server.url(), autocommit=True) as conn:
        if on:
            conn.execute("ALTER SYSTEM SET log_statement = 'all'")
            conn.execute("ALTER SYSTEM SET log_line_prefix = '[%p] '")
        else:
            conn.execute("ALTER SYSTEM RESET log_statement")
        conn.execute("SELECT pg_reload_conf()")
    time.sleep(0.5)


def round_trips(server: PostgresServer, base_url: str, questions: int) -> float:
    """App-database statements per anonymous demo question (one visitor, after a first one).

    The demo's connections are told apart by the executor's ``SET TRANSACTION READ ONLY``,
    which no statement of the app's own sends."""
    log = server.socket_dir / "server.log"
    visitor = {"X-Anonymous-ID": f"cost-{time.time_ns()}"}
    _log_statements(server, on=True)
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            client.post("/api/query", json={"question": EXAMPLE_QUESTIONS[0]}, headers=visitor)
            time.sleep(0.3)
            start = log.stat().st_size
            for number in range(questions):
                question = EXAMPLE_QUESTIONS[number % len(EXAMPLE_QUESTIONS)]
                answer = client.post("/api/query", json={"question": question}, headers=visitor)
                answer.raise_for_status()
            time.sleep(0.3)
            text = log.read_bytes()[start:].decode(errors="replace")
    finally:
        _log_statements(server, on=False)
    by_process: dict[str, list[str]] = {}
    for process, statement in _STATEMENT.findall(text):
        by_process.setdefault(process, []).append(statement)
    app = [
        statements
        for statements in by_process.values()
        if not any(s.startswith("SET TRANSACTION READ ONLY") for s in statements)
    ]
    return sum(len(statements) for statements in app) / questions


def measure(
    server: PostgresServer,
    root: Path,
    app_url: str,
    env: Mapping[str, str],
    work: Path,
    args: argparse.Namespace,
) -> dict[str, float]:
    """One backend of checkout ``root``: start it, measure, stop it."""
    environment = {**env, "DATABASE_URL": app_url, "PYTHONPATH": source_path(root)}
    with started(
        [sys.executable, "-m", "backend", "serve"],
        env=environment,
        ready_path="/api/health",
        log_path=work / f"{root.name}.log",
    ) as backend:
        backend.wait_whole("/api/health")
        run = pipeline.run_questions(backend.base_url, app_url, repeats=args.repeats)
        figures = {
            "overhead_p95_ms": percentile(run.overhead_ms, 95),
            "raw_p95_ms": percentile(run.raw_ms, 95),
            "round_trips": round_trips(server, backend.base_url, 20),
        }
        figures["overhead_ratio"] = figures["overhead_p95_ms"] / figures["raw_p95_ms"]
        pid = backend.process.pid
        before = cpu_seconds(pid)
        load = asyncio.run(run_load(backend.base_url, users=args.users, seconds=args.seconds))
        cpu = cpu_seconds(pid) - before
        figures.update(
            requests=load.requests,
            refused=load.errors,
            cpu_ms_per_request=1000 * cpu / max(load.requests, 1),
            cpu_ms_per_answer=1000 * cpu / max(len(load.latencies_ms), 1),
            peak_rss_mib=backend.peak_rss_mib(),
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.question_cost")
    parser.add_argument("--against", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5, help="passes of the 14 questions")
    parser.add_argument("--set", action="append", default=[], help="NAME=VALUE for both")
    args = parser.parse_args()
    roots = {"before": args.against.resolve(), "after": REPO_ROOT}
    work = Path(tempfile.mkdtemp(prefix="eaa-cost-"))
    env = {**backend_settings(work), **dict(item.split("=", 1) for item in args.set)}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in roots}
    with throwaway_server() as server:
        urls = {}
        for name, root in roots.items():
            urls[name] = server.url(f"app_{name}")
            subprocess.run(
                [sys.executable, "-c", _PREPARE, server.url(), urls[name], f"app_{name}"],
                env={**os.environ, "PYTHONPATH": source_path(root)},
                cwd=root,
                check=True,
            )
        for number in range(args.rounds):
            for name, root in roots.items():
                figures = measure(server, root, urls[name], env, work, args)
                results[name].append(figures)
                rounded = {key: round(value, 2) for key, value in figures.items()}
                print(f"round {number + 1}, {name}: {json.dumps(rounded)}", flush=True)
    print("medians, and after ÷ before:")
    for key in results["after"][0]:
        before, after = (statistics.median(r[key] for r in results[n]) for n in roots)
        ratio = f"{after / before:.2f}×" if before else "—"
        print(f"  {key}: before {before:.2f}, after {after:.2f} ({ratio})")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
