"""``python -m benchmarks`` (``nox -s bench``): measure everything, rewrite docs/benchmarks.md.

One throwaway PostgreSQL holds the app database and the demo data; every service is started
with the deploy's own command. ``--quick`` runs each step once and the load test for 10 s,
to check the machinery (its figures are not written to the report unless ``--write``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from devkit.fake_openai import running_fake_openai
from devkit.postgres import throwaway_server
from devkit.processes import REPO_ROOT, backend_command, frontend_command

from benchmarks import llm_usage, pipeline, startup, throughput
from benchmarks.common import Figure, Service, backend_env, percentile, started
from benchmarks.load_test import run_load
from benchmarks.report import render, write_report

LOAD_USERS = 50


def _prepare_database(admin_url: str, app_url: str) -> str:
    """Create, migrate and load the demo into the app database; return the server version."""
    from backend.core.config import Settings, normalize_database_url
    from backend.data.database import make_engine, upgrade
    from backend.demo import load

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE app")
        version = conn.execute("SHOW server_version").fetchone()
    engine = make_engine(Settings(), url=normalize_database_url(app_url))
    try:
        upgrade(engine)
        load.load_postgres(engine)
    finally:
        engine.dispose()
    return str(version[0]) if version else "?"


def _importtime_top(count: int = 10) -> list[tuple[str, float]]:
    """Import cost of ``backend.main`` per top-level package (self time summed, seconds)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import backend.main"],
        capture_output=True,
        text=True,
        check=True,
    )
    totals: dict[str, float] = {}
    for line in result.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            package = parts[2].strip().split(".")[0]
            totals[package] = totals.get(package, 0.0) + int(parts[0]) / 1e6
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    return [("(all imports)", sum(totals.values())), *ranked[:count]]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="one run of each, a 10 s load test")
    parser.add_argument("--write", action="store_true", help="write the report even if --quick")
    args = parser.parse_args()
    runs, repeats, load_seconds = (1, 2, 10.0) if args.quick else (3, 10, 60.0)
    work = Path(tempfile.mkdtemp(prefix="eaa-bench-"))
    command = "nox -s bench" + (" -- --quick" if args.quick else "")
    print(f"benchmarks: working in {work}", flush=True)

    with throwaway_server() as server, running_fake_openai() as fake:
        app_url = server.url("app")
        pg_version = _prepare_database(server.url(), app_url)
        env = {**backend_env(work), "DATABASE_URL": app_url, "PYTHONPATH": str(REPO_ROOT)}

        @contextmanager
        def start_backend(extra: dict[str, str]) -> Iterator[Service]:
            """The backend with its whole app built (not only the early health check)."""
            with started(
                backend_command(),
                env={**env, **extra},
                ready_path="/api/health",
                log_path=work / "backend.log",
            ) as backend:
                backend.wait_whole("/api/health")
                yield backend

        figures: list[Figure] = []
        print("startup and idle memory ...", flush=True)
        figures += startup.measure(env, work, runs=runs)

        print("health throughput ...", flush=True)
        with started(
            startup.BASELINE_FASTAPI, env=env, ready_path="/api/health", log_path=work / "b.log"
        ) as baseline:
            base_rps = asyncio.run(throughput.health_rps(baseline.base_url, 5.0))
        with start_backend({}) as backend:
            rps = asyncio.run(throughput.health_rps(backend.base_url, 5.0))
            figures.append(
                Figure("/api/health throughput", rps, "req/s", "minimal FastAPI app", base_rps)
            )
            print("pipeline overhead and accuracy ...", flush=True)
            run = pipeline.run_questions(backend.base_url, app_url, repeats=repeats)
            right, total = pipeline.accuracy(run, app_url)
            figures += pipeline.figures(run, right, total)

            print(f"load test: {LOAD_USERS} users for {load_seconds:.0f} s ...", flush=True)
            idle_rss = backend.peak_rss_mib()
            load = asyncio.run(run_load(backend.base_url, users=LOAD_USERS, seconds=load_seconds))
            loaded_rss = backend.peak_rss_mib()
            print(load.summary(), flush=True)

        with _frontend(env, work) as frontend:
            asyncio.run(_page_loads(frontend.base_url, LOAD_USERS, 10.0))
            frontend_loaded = frontend.peak_rss_mib()

        lat = load.latencies_ms
        figures += [
            Figure(
                f"load: questions answered ({LOAD_USERS} users, {load_seconds:.0f} s)",
                len(lat),
                "answers",
                goal="0 errors",
                met=load.errors == 0,
            ),
            Figure("load: errors", load.errors, "errors", goal="0", met=load.errors == 0),
            Figure("load: throughput", load.throughput, "questions/s"),
            Figure("load: latency p50", percentile(lat, 50), "ms"),
            Figure(
                "load: latency p95",
                percentile(lat, 95),
                "ms",
                goal="< 3 s",
                met=percentile(lat, 95) < 3000,
            ),
            Figure("load: latency p99", percentile(lat, 99), "ms"),
            Figure(
                "backend peak RSS under load",
                loaded_rss,
                "MiB",
                "same process idle (before the load)",
                idle_rss,
                "≤ 512 MiB",
                loaded_rss <= 512,
            ),
            Figure(
                f"frontend peak RSS after {LOAD_USERS} concurrent page loads for 10 s",
                frontend_loaded,
                "MiB",
                goal="≤ 512 MiB",
                met=frontend_loaded <= 512,
            ),
        ]

        print("LLM calls and prompt size (fake OpenAI) ...", flush=True)
        figures += llm_usage.measure(fake, start_backend, run.sql_by_question)

    imports = _importtime_top()
    for figure in figures:
        print(f"  {figure.name}: {figure.value:.2f} {figure.unit}", flush=True)
    if not args.quick or args.write:
        report = render(
            figures,
            imports=imports,
            command=command,
            when=dt.datetime.now(dt.UTC),
            machine=f"{os.cpu_count()} CPU(s), {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, PostgreSQL {pg_version}; load average "
            f"{os.getloadavg()[1]:.1f} over the last 5 minutes (other work shared the CPUs)",
            load_failures=dict(load.failures),
        )
        write_report(report)
    return 0


@contextmanager
def _frontend(env: dict[str, str], work: Path) -> Iterator[Service]:
    with started(
        frontend_command(),
        env={
            "BACKEND_URL": "http://127.0.0.1:9",  # pages are served without the backend
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "PYTHONPATH": env["PYTHONPATH"],
        },
        ready_path="/",
        log_path=work / "frontend.log",
    ) as frontend:
        yield frontend


async def _page_loads(base_url: str, users: int, seconds: float) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        deadline = time.monotonic() + seconds

        async def visitor() -> None:
            while time.monotonic() < deadline:
                (await client.get("/")).raise_for_status()

        await asyncio.gather(*(visitor() for _ in range(users)))


if __name__ == "__main__":
    sys.exit(main())
