"""The project's own overhead per question, and the offline engine's accuracy.

Overhead is the HTTP round trip of ``POST /api/query`` minus the time spent producing the SQL
(the part a language model would do): routing, auth, limits, quota, guard, execution, chart,
insights and the history write. Its baseline is the same SQL executed with raw psycopg on the
same demo data — the floor any implementation pays.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
from backend.demo.catalogue import EXAMPLE_QUESTIONS
from devkit.demo_answers import EXPECTED, normalise

from benchmarks.common import Figure, percentile

DEMO_SCHEMA = "demo"


@dataclass
class PipelineRun:
    overhead_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    raw_ms: list[float] = field(default_factory=list)
    added_ms: list[float] = field(default_factory=list)  # overhead minus raw, same question
    sql_by_question: dict[str, str] = field(default_factory=dict)
    rows_by_question: dict[str, list[list[Any]]] = field(default_factory=dict)


def _raw_psycopg_ms(conn: psycopg.Connection[Any], sql: str) -> float:
    started = time.perf_counter()
    conn.execute(sql).fetchall()
    return (time.perf_counter() - started) * 1000


def run_questions(base_url: str, app_db_url: str, *, repeats: int) -> PipelineRun:
    run = PipelineRun()
    headers = {"X-Anonymous-ID": "bench-pipeline-user"}
    with (
        httpx.Client(base_url=base_url, timeout=30) as client,
        psycopg.connect(app_db_url, autocommit=True) as conn,
    ):
        conn.execute(f"SET search_path TO {DEMO_SCHEMA}")
        for question in EXAMPLE_QUESTIONS:  # warm-up: demo target, caches, connections
            answer = client.post("/api/query", json={"question": question}, headers=headers)
            answer.raise_for_status()
            body = answer.json()
            run.sql_by_question[question] = body["sql"]
            run.rows_by_question[question] = body["rows"]
            _raw_psycopg_ms(conn, body["sql"])
        for _ in range(repeats):
            for question in EXAMPLE_QUESTIONS:
                started = time.perf_counter()
                answer = client.post("/api/query", json={"question": question}, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                answer.raise_for_status()
                timings = answer.json()["timings"]
                run.overhead_ms.append(elapsed - timings["sql_ms"])
                run.server_ms.append(timings["total_ms"] - timings["sql_ms"])
                raw = _raw_psycopg_ms(conn, run.sql_by_question[question])
                run.raw_ms.append(raw)
                run.added_ms.append(run.overhead_ms[-1] - raw)
    return run


def accuracy(run: PipelineRun, app_db_url: str) -> tuple[int, int]:
    """How many of the project's questions the API answers with the hand-written SQL's rows."""
    right = 0
    with psycopg.connect(app_db_url, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {DEMO_SCHEMA}")
        for question, (make_sql, ordered) in EXPECTED.items():
            expected = [list(row) for row in conn.execute(make_sql("postgres")).fetchall()]
            got = run.rows_by_question.get(question, [])
            right += normalise(got, ordered) == normalise(expected, ordered)
    return right, len(EXPECTED)


def figures(run: PipelineRun, right: int, total: int) -> list[Figure]:
    p95 = percentile(run.overhead_ms, 95)
    n = len(run.overhead_ms)
    return [
        Figure(
            f"pipeline overhead p50 ({n} questions)",
            percentile(run.overhead_ms, 50),
            "ms",
            "same SQL, raw psycopg",
            percentile(run.raw_ms, 50),
        ),
        Figure(
            f"pipeline overhead p95 ({n} questions)",
            p95,
            "ms",
            "same SQL, raw psycopg",
            percentile(run.raw_ms, 95),
            "p95 ≤ 50 ms",
            p95 <= 50,
        ),
        Figure(
            "  of which inside the app (server timings) p95",
            percentile(run.server_ms, 95),
            "ms",
            "same SQL, raw psycopg",
            percentile(run.raw_ms, 95),
        ),
        Figure(
            "  of which added to the query itself (overhead − raw, per question) p95",
            percentile(run.added_ms, 95),
            "ms",
        ),
        Figure(
            f"offline-engine accuracy ({total} documented questions)",
            100.0 * right / total,
            "%",
            goal="rows equal hand-written SQL",
            met=right == total,
        ),
    ]
