"""Prompt size and LLM calls per question, through the OpenAI engine and a local fake OpenAI.

The fake answers every chat request instantly with the SQL the offline engine produced for
that question, so the numbers describe what *we* send: the prompt tokens are estimated from the
messages the fake received (the project's own chars-per-token estimate), and the calls are the
requests it received per question.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
from backend.engines.schema_context import estimate_tokens
from devkit.fake_openai import FakeOpenAI, insights_answer, sql_answer

from benchmarks.common import Figure, Service, median, percentile

FAKE_KEY = "fake-key-for-the-local-stand-in"  # not a secret: the fake accepts anything


def measure(
    fake: FakeOpenAI,
    start_backend: Callable[[dict[str, str]], AbstractContextManager[Service]],
    sql_by_question: dict[str, str],
) -> list[Figure]:
    env = {"OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": fake.base_url}
    calls: list[int] = []
    prompt_tokens: list[int] = []
    latencies: list[float] = []
    with start_backend(env) as backend, httpx.Client(base_url=backend.base_url, timeout=60) as c:
        # Warm-up, not counted: the first question imports the OpenAI client.
        first_question, first_sql = next(iter(sql_by_question.items()))
        _ask(fake, c, first_question, first_sql, "bench-llm-warm-up")
        for number, (question, sql) in enumerate(sql_by_question.items()):
            seen = len(fake.received)
            started = time.perf_counter()
            _ask(fake, c, question, sql, f"bench-llm-{number:04d}")
            latencies.append((time.perf_counter() - started) * 1000)
            requests = [r.json() for r in fake.received[seen:]]
            calls.append(len(requests))
            prompt_tokens.append(sum(_prompt_tokens(r) for r in requests))
    worst = max(calls)
    return [
        Figure(
            f"prompt tokens per question, demo schema (median of {len(calls)})",
            median(prompt_tokens),
            "tokens",
            goal="(estimate: 4 characters per token)",
        ),
        Figure(
            "LLM calls per question (most)",
            worst,
            "calls",
            "original multi-agent design",
            4,
            "≤ 2",
            worst <= 2,
        ),
        Figure(
            "question end to end with an instant LLM, p95",
            percentile(latencies, 95),
            "ms",
            goal="< 3 s with a fast LLM",
            met=percentile(latencies, 95) < 3000,
        ),
    ]


def _ask(fake: FakeOpenAI, client: httpx.Client, question: str, sql: str, visitor: str) -> None:
    fake.replies.clear()
    for _ in range(3):  # more than the pipeline should ever need
        fake.script(
            sql_answer(sql, explanation="Computed from the demo loans."),
            insights_answer(["A notable pattern."], ["A next step."]),
        )
    answer = client.post(
        "/api/query", json={"question": question}, headers={"X-Anonymous-ID": visitor}
    )
    answer.raise_for_status()


def _prompt_tokens(request: dict[str, Any]) -> int:
    return sum(estimate_tokens(str(m.get("content", ""))) for m in request.get("messages", []))
