"""Real server processes on loopback, started with the same commands the deploy uses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[3]

# Variables a developer's shell might carry that would change what the product does.
_PRODUCT_VARS = (
    "DATABASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "SUPABASE_URL",
    "SUPABASE_ANON_KEY",
    "ENCRYPTION_KEY",
    "PORT",
    "API_PORT",
    "API_HOST",
    "BACKEND_URL",
    "CORS_ORIGINS",
    "DATA_DIR",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PRODUCT_VARS}
    env.update({"PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False"})
    env.update(extra)
    return env


@dataclass
class RunningProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate(self, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


# The backend answers health while its app is still being built (backend.serving); callers
# here want the whole app, so an answer carrying this header does not count as ready.
STARTING_HEADER = "X-Backend-Starting"


def wait_http(
    url: str, process: subprocess.Popen[bytes], timeout: float, status: int = 200
) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            response = httpx.get(url, timeout=2.0)
            if response.status_code == status and STARTING_HEADER not in response.headers:
                return
            last = f"HTTP {response.status_code}"
        except httpx.TransportError as error:
            last = type(error).__name__
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout}s ({last})")


# A busy 2-core machine can take more than 30 s to import and start a service; the wait ends
# as soon as it answers, so a generous deadline costs nothing when all is well.
START_TIMEOUT_SECONDS = 90.0


@contextmanager
def run_service(
    args: list[str],
    *,
    env: Mapping[str, str],
    health_path: str,
    log_dir: Path,
    timeout: float = START_TIMEOUT_SECONDS,
    port: int | None = None,
    ready_status: int = 200,
) -> Iterator[RunningProcess]:
    """Start ``args`` with PORT set, wait until ``health_path`` answers ``ready_status``."""
    port = port or free_port()
    log_path = log_dir / f"service-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            args,
            env=clean_env({**env, "PORT": str(port)}),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=log_dir,
        )
    running = RunningProcess(process, f"http://127.0.0.1:{port}", log_path)
    try:
        try:
            wait_http(running.base_url + health_path, process, timeout, ready_status)
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}\n--- log ---\n{running.log()}") from None
        yield running
    finally:
        running.terminate()


def backend_command() -> list[str]:
    return [sys.executable, "-m", "backend", "serve"]


def frontend_command() -> list[str]:
    return [sys.executable, "-m", "frontend"]
