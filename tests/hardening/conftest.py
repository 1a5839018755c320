"""Helpers for the hardening tests: backend processes on a given database, log parsing.

Every backend started here has its peak memory (``VmHWM``) read just before it stops and held
under ``PEAK_MEMORY_MB``; ``HARDENING_PEAKS`` (a file path) collects the figures for a report.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import pytest
from devkit.keys import new_encryption_key
from devkit.processes import RunningProcess, backend_command, run_service


def backend_env(database_url: str, work_dir: Path, key: str, **extra: str) -> dict[str, str]:
    """The environment of a deployed backend (PostgreSQL, production logs) plus ``extra``."""
    return {
        "DATABASE_URL": database_url,
        "ENCRYPTION_KEY": key,
        "DATA_DIR": str(work_dir / "data"),
        "APP_ENV": "production",
        "LOG_LEVEL": "INFO",
        **extra,
    }


class BackendStarter(Protocol):
    def __call__(
        self, database_url: str, **extra: str
    ) -> AbstractContextManager[RunningProcess]: ...


@pytest.fixture
def start_backend(work_dir: Path, request: pytest.FixtureRequest) -> BackendStarter:
    """Start ``python -m backend serve`` on a database (a context manager; stops on exit).

    Backends of one test share an ENCRYPTION_KEY, like replicas of one deploy.
    """
    key = new_encryption_key()

    @contextmanager
    def start(database_url: str, **extra: str) -> Iterator[RunningProcess]:
        with run_service(
            backend_command(),
            env=backend_env(database_url, work_dir, key, **extra),
            health_path="/api/health",
            log_dir=work_dir,
        ) as running:
            yield running
            peak = peak_memory_mb(running)
            if peak is not None:
                record_peak(request.node.nodeid, peak)
                assert peak < PEAK_MEMORY_MB, f"backend peaked at {peak:.0f} MB"

    return start


PEAK_MEMORY_MB = 512


def peak_memory_mb(process: RunningProcess) -> float | None:
    """The process's peak resident memory so far (Linux ``VmHWM``), None once it has exited."""
    try:
        status = Path(f"/proc/{process.process.pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def record_peak(test: str, peak: float) -> None:
    target = os.environ.get("HARDENING_PEAKS")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(f"{peak:.1f}\t{test}\n")


@pytest.fixture
def backend(pg_url: str, start_backend: BackendStarter) -> Iterator[RunningProcess]:
    """One production-configured backend on a fresh database."""
    with start_backend(pg_url) as running:
        yield running


def json_lines(text: str) -> list[dict[str, Any]]:
    """Parse a JSON-lines log, failing on any line that is not a JSON object."""
    events = []
    for line in text.splitlines():
        if line.strip():
            event = json.loads(line)
            assert isinstance(event, dict), line
            events.append(event)
    return events
