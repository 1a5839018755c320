"""Start-up time and idle memory: our services against the smallest app of the same framework."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx
from devkit.processes import REPO_ROOT, backend_command, frontend_command

from benchmarks.common import Figure, median, started

# uvicorn.run in a one-line program, as the backend's own serve command does.
BASELINE_FASTAPI = [
    sys.executable, "-c",
    "import os, uvicorn; uvicorn.run('benchmarks.baseline_fastapi:app', host='127.0.0.1', "
    "port=int(os.environ['PORT']), access_log=False, log_level='warning')",
]  # fmt: skip
BASELINE_GRADIO = [sys.executable, "-m", "benchmarks.baseline_gradio"]


def _start_times(
    args: list[str], env: Mapping[str, str], path: str, work: Path, runs: int
) -> tuple[list[float], float, list[float]]:
    """Seconds to the first good answer for each run, the idle peak RSS of the last, and the
    seconds until the whole app answered (the same as the first for a server built at once)."""
    times, rss, whole = [], 0.0, []
    for _ in range(runs):
        with started(args, env=env, ready_path=path, log_path=work / "startup.log") as service:
            times.append(service.started_in)
            whole.append(service.wait_whole(path))
            for _ in range(5):
                httpx.get(service.base_url + path, timeout=10)
            rss = service.peak_rss_mib()
    return times, rss, whole


def deployed_python(work: Path) -> str:
    """A venv with only the backend's locked production set, installed as the deploy does
    (no dev tools: e.g. structlog imports rich, 0.17 s, only where it is installed)."""
    venv = work / "backend-deployed-venv"
    subprocess.run(
        ["uv", "sync", "--frozen", "--no-dev", "--package", "backend", "--compile-bytecode", "-q"],
        cwd=REPO_ROOT,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON_DOWNLOADS": "never"},
        check=True,
    )
    return str(venv / "bin" / "python")


def _backend_start(
    python: str, backend_env: Mapping[str, str], work: Path, runs: int, label: str
) -> tuple[list[Figure], float, float]:
    """Start → healthy (and → the whole app answering) for the backend and the minimal app,
    both on ``python``'s install; also the idle peak RSS of each."""
    env_base = {"PYTHONPATH": str(REPO_ROOT)}
    base_times, base_rss, _ = _start_times(
        [python, *BASELINE_FASTAPI[1:]], env_base, "/api/health", work, runs
    )
    back_times, back_rss, back_whole = _start_times(
        [python, *backend_command()[1:]], {**backend_env, **env_base}, "/api/health", work, runs
    )
    start, baseline, whole = median(back_times), median(base_times), median(back_whole)
    figures = [
        Figure(
            f"backend start → healthy, {label} (median of {runs})",
            start,
            "s",
            f"minimal FastAPI app, {label}",
            baseline,
            "≤ 1 s and ≤ 1.5×",
            start <= 1.0 and start / baseline <= 1.5,
        ),
        Figure(
            f"  backend start → every route answers, {label} (median of {runs})",
            whole,
            "s",
            f"minimal FastAPI app, {label}",
            baseline,
        ),
    ]
    return figures, back_rss, base_rss


def measure(backend_env: Mapping[str, str], work: Path, *, runs: int) -> list[Figure]:
    env_base = {"PYTHONPATH": str(REPO_ROOT)}
    dev_start, back_rss, base_rss = _backend_start(
        sys.executable, backend_env, work, runs, "dev install"
    )
    deployed_start, _, _ = _backend_start(
        deployed_python(work), backend_env, work, runs, "deployed install"
    )
    gradio_times, gradio_rss, _ = _start_times(
        BASELINE_GRADIO, env_base, "/", work, max(1, runs - 1)
    )
    front_env = {**env_base, "BACKEND_URL": "http://127.0.0.1:9", "GRADIO_SERVER_NAME": "127.0.0.1"}
    front_times, front_rss, _ = _start_times(
        frontend_command(), front_env, "/", work, max(1, runs - 1)
    )
    front_ratio = median(front_times) / median(gradio_times)
    return [
        *dev_start,
        *deployed_start,
        Figure(
            f"frontend start → first page (median of {max(1, runs - 1)})",
            median(front_times),
            "s",
            "minimal Gradio app",
            median(gradio_times),
            "≤ 1.2×",
            front_ratio <= 1.2,
        ),
        Figure(
            "backend peak RSS, idle",
            back_rss,
            "MiB",
            "minimal FastAPI app",
            base_rss,
            "≤ 150 MiB",
            back_rss <= 150,
        ),
        Figure(
            "frontend peak RSS, idle",
            front_rss,
            "MiB",
            "minimal Gradio app",
            gradio_rss,
            "≤ 512 MiB",
            front_rss <= 512,
        ),
    ]
