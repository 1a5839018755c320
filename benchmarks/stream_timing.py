"""``python -m benchmarks.stream_timing``: when each step of a streamed question arrives.

A backend on embedded defaults answers the documented example questions through
``POST /api/query/stream``, first with the offline engine, then with the OpenAI engine pointed
at the local stand-in answering like a modest hosted model (0.3 s before the first token, then
20 ms per 4-character token). Printed: the median seconds from sending the request to the
first event, to ``sql``, to ``rows``, to the first ``insight`` and to ``done``, as a Markdown
table for docs/benchmarks.md.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx
from contract.ask_events import ASK_EVENT
from devkit.demo_answers import EXPECTED
from devkit.fake_openai import FakeOpenAI, insights_answer, running_fake_openai, slow, sql_answer
from devkit.processes import backend_command, run_service
from devkit.users import register
from httpx_sse import connect_sse

from benchmarks.common import median

UNLIMITED = {
    "RATE_LIMIT_PER_MINUTE": "0",
    "RATE_LIMIT_USER_PER_MINUTE": "0",
    "FREE_MONTHLY_QUOTA": "1000",
}
MARKS = ("first event", "sql", "rows", "insight", "done")
PROMPT_SECONDS = 0.3
TOKEN_SECONDS = 0.02
INSIGHTS = (
    ["The largest group holds most of the rows.", "The smallest is a small fraction of it."],
    ["Check whether the concentration is intended."],
)


def arrivals(api: httpx.Client, question: str, headers: dict[str, str]) -> dict[str, float]:
    """Seconds from the request to the first event of each kind."""
    seen: dict[str, float] = {}
    started = time.perf_counter()
    body = {"question": question}
    with connect_sse(api, "POST", "/api/query/stream", json=body, headers=headers) as source:
        if source.response.status_code != 200:
            raise RuntimeError(f"{question!r} refused: {source.response.read().decode()}")
        for message in source.iter_sse():
            event = ASK_EVENT.validate_json(message.data)
            now = time.perf_counter() - started
            seen.setdefault("first event", now)
            seen.setdefault(event.type, now)
            if event.type == "error":
                raise RuntimeError(f"{question!r} failed: {message.data}")
    return seen


def run(engine: str, env: dict[str, str], fake: FakeOpenAI | None) -> list[str]:
    rows: dict[str, list[float]] = {mark: [] for mark in MARKS}
    with (
        tempfile.TemporaryDirectory() as work,
        run_service(
            backend_command(),
            env={"DATA_DIR": str(Path(work) / "data"), **UNLIMITED, **env},
            health_path="/api/health",
            log_dir=Path(work),
            timeout=120,
        ) as backend,
        httpx.Client(base_url=backend.base_url, timeout=60) as api,
    ):
        headers = register(api).headers
        questions = [(question, sql("sqlite")) for question, (sql, _) in EXPECTED.items()]
        for index, (question, sql) in enumerate([questions[0], *questions]):
            if fake is not None:
                fake.script(
                    slow(sql_answer(sql), TOKEN_SECONDS, PROMPT_SECONDS),
                    slow(insights_answer(*INSIGHTS), TOKEN_SECONDS, PROMPT_SECONDS),
                )
            seen = arrivals(api, question, headers)
            if index == 0:
                continue  # warm-up: the first question imports the engine
            for mark in MARKS:
                rows[mark].append(seen.get(mark, seen["done"]))
    cells = " | ".join(f"{median(rows[mark]):.3f} s" for mark in MARKS)
    return [f"| {engine} ({len(rows['done'])} questions) | {cells} |"]


def main() -> None:
    lines = ["| engine | " + " | ".join(MARKS) + " |", "|---" * (len(MARKS) + 1) + "|"]
    lines += run("offline", {}, None)
    with running_fake_openai() as fake:
        env = {"OPENAI_API_KEY": "stand-in-accepts-anything", "OPENAI_BASE_URL": fake.base_url}
        lines += run("OpenAI stand-in", env, fake)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
