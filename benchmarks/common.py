"""What every benchmark shares: figures, percentiles, timed process starts, peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from devkit.keys import new_encryption_key
from devkit.processes import clean_env, free_port


@dataclass(frozen=True)
class Figure:
    """One row of the report: a measurement, its same-run baseline and the goal it serves."""

    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    goal: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


def backend_settings(work: Path) -> dict[str, str]:
    """Settings of every benchmarked backend: production logs, a fresh key, and allowances and
    rate limits lifted, so the load is measured rather than refused."""
    return {
        "ENCRYPTION_KEY": new_encryption_key(),
        "DATA_DIR": str(work / "data"),
        "APP_ENV": "production",
        "LOG_LEVEL": "INFO",
        "ANONYMOUS_FREE_QUESTIONS": "1000000",
        "FREE_MONTHLY_QUOTA": "1000000",
        "RATE_LIMIT_PER_MINUTE": "1000000",
        "RATE_LIMIT_USER_PER_MINUTE": "1000000",
    }


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (what load-testing tools report); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def source_path(root: Path) -> str:
    """PYTHONPATH running checkout ``root``'s own code (to measure it beside this one)."""
    parts = ("backend/src", "frontend/src", "contract/src", "devkit/src", ".")
    return os.pathsep.join(str(root / part) for part in parts)


def peak_rss_mib(pid: int) -> float:
    """The process's resident-memory high-water mark (VmHWM) so far, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


STARTING_HEADER = "X-Backend-Starting"


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    base_url: str
    started_in: float  # seconds from spawn to the first good answer
    spawned_at: float = 0.0  # time.perf_counter() at spawn

    def peak_rss_mib(self) -> float:
        return peak_rss_mib(self.process.pid)

    def wait_whole(self, path: str) -> float:
        """Seconds from spawn until ``path`` answers without the backend's starting mark (it
        answers health while its app is still being built, ``backend.serving``)."""
        with httpx.Client(timeout=10) as client:
            while STARTING_HEADER in client.get(self.base_url + path).headers:
                time.sleep(0.01)
        return time.perf_counter() - self.spawned_at


@contextmanager
def started(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    ready_path: str,
    log_path: Path,
    timeout: float = 90.0,
) -> Iterator[Service]:
    """Spawn ``args`` with PORT set and time it until ``ready_path`` answers 200 (10 ms polls)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("ab") as log:
        spawned = time.perf_counter()
        process = subprocess.Popen(
            list(args),
            env=clean_env({**env, "PORT": str(port)}),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=log_path.parent,
        )
    try:
        deadline = spawned + timeout
        with httpx.Client(timeout=5) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{args} exited early; see {log_path}")
                try:
                    if client.get(base_url + ready_path).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"{args} not ready in {timeout} s; see {log_path}")
                time.sleep(0.01)
        yield Service(process, base_url, time.perf_counter() - spawned, spawned)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
