"""``python -m benchmarks`` (``nox -s bench``): measure everything, rewrite docs/benchmarks.md.

One throwaway PostgreSQL holds the app database and the demo data; every service is started
with the deploy's own command. The load test runs backend-direct with anonymous users, then
with signed-in users directly and through the web app (``benchmarks.frontend_load``;
``--frontend-users``, ``--frontend-seconds``). ``--quick`` runs each step once and the load
tests for 10 s, to check the machinery (its figures are not written to the report unless
``--write``).
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
from devkit.fake_openai import running_fake_openai
from devkit.postgres import throwaway_server

from benchmarks import frontend_load, llm_usage, pipeline, startup, throughput
from benchmarks.common import Figure, Service, percentile, started
from benchmarks.load_test import LoadResult, run_load, run_raw_load
from benchmarks.report import render, write_report
from benchmarks.stack import backend_env, prepare_database, running_backend, running_frontend

LOAD_USERS = 50


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
    parser.add_argument(
        "--frontend-users", type=int, default=LOAD_USERS, help="signed-in users through the app"
    )
    parser.add_argument(
        "--frontend-seconds", type=float, help="each of the signed-in runs (default 30, quick 10)"
    )
    args = parser.parse_args()
    runs, repeats, load_seconds = (1, 2, 10.0) if args.quick else (3, 10, 60.0)
    signed_in_seconds = args.frontend_seconds or (10.0 if args.quick else 30.0)
    work = Path(tempfile.mkdtemp(prefix="eaa-bench-"))
    command = "nox -s bench" + (" -- --quick" if args.quick else "")
    print(f"benchmarks: working in {work}", flush=True)

    with throwaway_server() as server, running_fake_openai() as fake:
        app_url = server.url("app")
        pg_version = prepare_database(server.url(), app_url)
        env = backend_env(app_url, work)

        @contextmanager
        def start_backend(extra: dict[str, str]) -> Iterator[Service]:
            with running_backend({**env, **extra}, work) as backend:
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
            print(f"the same load's SQL on raw psycopg for {load_seconds:.0f} s ...", flush=True)
            floor = run_raw_load(
                app_url, run.sql_by_question, users=LOAD_USERS, seconds=load_seconds
            )
            print(floor.summary(), flush=True)

            print(
                f"signed-in load: {args.frontend_users} users for {signed_in_seconds:.0f} s, "
                "backend direct then through the web app ...",
                flush=True,
            )
            direct, through = frontend_load.compare(
                backend.base_url, work, users=args.frontend_users, seconds=signed_in_seconds
            )
            print(frontend_load.describe(direct, through), flush=True)

        with running_frontend("http://127.0.0.1:9", work) as frontend:  # pages only
            asyncio.run(_page_loads(frontend.base_url, LOAD_USERS, 10.0))
            frontend_loaded = frontend.peak_rss_mib()

        figures += _load_figures(load, floor, load_seconds)
        figures += _through_app_figures(direct, through)
        figures += [
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
            through_app_failures=dict(through.failures),
        )
        write_report(report)
    return 0


def _load_figures(load: LoadResult, floor: LoadResult, seconds: float) -> list[Figure]:
    """The load test, beside its floor: the same SQL by as many raw psycopg connections."""
    lat, raw = load.latencies_ms, floor.latencies_ms
    p95 = percentile(lat, 95)
    base = f"same SQL, {floor.users} raw psycopg connections"
    return [
        Figure(
            f"load: questions answered ({load.users} users, {seconds:.0f} s)",
            len(lat),
            "answers",
            goal="0 errors",
            met=load.errors == 0,
        ),
        Figure("load: errors", load.errors, "errors", goal="0", met=load.errors == 0),
        Figure("load: refused or failed", load.error_share, "%"),
        Figure("load: throughput", load.throughput, "questions/s", base, floor.throughput),
        Figure("load: latency p50", percentile(lat, 50), "ms", base, percentile(raw, 50)),
        Figure("load: latency p95", p95, "ms", base, percentile(raw, 95), "< 500 ms", p95 < 500),
        Figure("load: latency p99", percentile(lat, 99), "ms", base, percentile(raw, 99)),
    ]


def _through_app_figures(direct: LoadResult, through: LoadResult) -> list[Figure]:
    """Signed-in users through the web app, each figure against the same users direct."""
    base = f"same signed-in users, backend direct, {direct.seconds:.0f} s"
    name = f"through the web app ({through.users} signed-in users, {through.seconds:.0f} s)"
    return [
        Figure(
            f"{name}: answered",
            through.answered_per_second,
            "questions/s",
            base,
            direct.answered_per_second,
        ),
        Figure(f"{name}: refused or failed", through.error_share, "%", base, direct.error_share),
        *(
            Figure(
                f"{name}: latency p{pct}",
                percentile(through.latencies_ms, pct),
                "ms",
                base,
                percentile(direct.latencies_ms, pct),
            )
            for pct in (50, 95)
        ),
        *(
            [Figure(f"{name}: web app CPU per answer", cpu, "ms")]
            if (cpu := through.cpu_ms_per_answer) is not None
            else []
        ),
    ]


async def _page_loads(base_url: str, users: int, seconds: float) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        deadline = time.monotonic() + seconds

        async def visitor() -> None:
            while time.monotonic() < deadline:
                (await client.get("/")).raise_for_status()

        await asyncio.gather(*(visitor() for _ in range(users)))


if __name__ == "__main__":
    sys.exit(main())
