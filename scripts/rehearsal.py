"""Deploy rehearsal: replay each builder's install and start commands for each service, here.

Run through ``nox -s rehearsal`` (part of CI). For each builder (Nixpacks, Railpack) and each
service, with the commands as declared by the builder's own file and deploy/services.toml:
1. build: a fresh virtualenv made by the service's install commands (the image's ``/opt/venv``
   or ``/app/.venv`` moved to a temporary folder), so only that service's locked dependency set
   is installed; for Railpack, the uv its file pins comes first on PATH, as mise puts it;
2. release: the backend's pre-deploy command against a throwaway PostgreSQL;
3. run: the start command with ``PORT`` set; the health check must answer within the declared
   timeout; resident memory must stay under the plan's 512 MB;
4. stop: SIGTERM while a request is in flight; the request must complete and the process exit
   within the draining time.

What it cannot check: whether Railway applies a file or a variable at all, the builders' base
images (Nix's or mise's Python, apt packages), the pre-deploy container's network, the edge and
the IaC apply. The tests in tests/delivery hold the files to the source of truth instead.

Memory: where the machine allows it (root, or a delegated cgroup v1/v2 memory controller) the
service runs in a memory cgroup capped at 512 MB, so the limit is enforced as on the platform.
Everywhere the limit is also checked on the kernel's own high-water mark of resident memory
(``VmHWM`` in ``/proc/<pid>/status``, summed over the service's process tree), which is exact
rather than sampled. ``RLIMIT_AS`` would be the wrong tool: it caps virtual address space, and
Python with uvloop, thread stacks and allocator arenas reserves far more than it touches, so a
512 MB cap kills a process resident at 150 MB.

Figures (install, pre-deploy, cold start, peak memory, shutdown) are printed and written into
``docs/benchmarks.md`` between the rehearsal markers.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from devkit.keys import new_encryption_key
from devkit.postgres import throwaway_server
from devkit.processes import clean_env, free_port, wait_http

from scripts.deploy_config import BUILDERS, REPO_ROOT, ServiceDeploy, load_services

MEMORY_LIMIT_BYTES = 512 * 1024 * 1024
BENCHMARKS = REPO_ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- rehearsal:start -->"
END_MARKER = "<!-- rehearsal:end -->"
BACKEND_APPLICATION_NAME = "eaa-backend"  # what the backend's engine reports to PostgreSQL


class RehearsalFailed(RuntimeError):
    """A step the platform would run failed; the message says which and shows its output."""


@dataclass
class Figures:
    builder: str
    service: str
    install_seconds: float
    pre_deploy_seconds: float | None
    cold_start_seconds: float
    health_timeout_seconds: int
    peak_rss_bytes: int
    memory_limit: str
    shutdown: str


def run_steps(label: str, commands: list[str], env: Mapping[str, str]) -> float:
    """Run shell commands in the build root as the platform would; return the elapsed time."""
    started = time.monotonic()
    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=REPO_ROOT,
            env=dict(env),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RehearsalFailed(
                f"{label} step failed ({result.returncode}): `{command}`\n"
                f"{result.stdout[-4000:]}{result.stderr[-4000:]}"
            )
    return time.monotonic() - started


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _high_water_mark(pid: int) -> int:
    """Peak resident memory of one process, in bytes, as the kernel counted it."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class MemoryWatch:
    """Tracks the peak resident memory of a process and all its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        pending = [self._pid]
        while pending:
            pid = pending.pop()
            self._peaks[pid] = max(self._peaks.get(pid, 0), _high_water_mark(pid))
            pending.extend(_children(pid))

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def start(self) -> None:
        self._sample()
        self._thread.start()

    def stop(self) -> int:
        """Stop watching and return the peak (sum of per-process peaks: an upper bound)."""
        self._sample()
        self._stop.set()
        self._thread.join()
        return sum(self._peaks.values())


class MemoryCgroup:
    """A memory cgroup capped at the plan's 512 MB, where this machine lets us create one.

    With it the limit is enforced as on the platform (the kernel OOM-kills the service and the
    rehearsal fails); without it (no root, no delegation) the limit is only checked.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, name: str) -> MemoryCgroup | None:
        for root, limit_file in (
            (Path("/sys/fs/cgroup"), "memory.max"),  # cgroup v2
            (Path("/sys/fs/cgroup/memory"), "memory.limit_in_bytes"),  # cgroup v1
        ):
            path = root / name
            try:
                path.mkdir()
            except OSError:
                continue
            try:
                # A real cgroup directory comes with its control files; a plain folder does not.
                if not (path / "cgroup.procs").exists():
                    raise OSError("not a cgroup")
                (path / limit_file).write_text(str(MEMORY_LIMIT_BYTES))
            except OSError:
                shutil.rmtree(path, ignore_errors=True)
                continue
            return cls(path)
        return None

    def enter(self) -> None:
        """Run in the child between fork and exec: the service starts inside the cgroup."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            self.path.rmdir()


@contextmanager
def started(
    service: ServiceDeploy,
    env: Mapping[str, str],
    port: int,
    log: Path,
    cgroup: MemoryCgroup | None,
) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """Run the start command; yield the process once healthy, with its cold-start time."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            ["bash", "-c", service.start_cmd],
            env={**env, "PORT": str(port)},
            cwd=REPO_ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            # preexec_fn is safe here: the rehearsal runs no other thread while it starts.
            preexec_fn=cgroup.enter if cgroup else None,
        )
    began = time.monotonic()
    try:
        try:
            wait_http(
                f"http://127.0.0.1:{port}{service.health_path}",
                process,
                timeout=service.health_timeout_seconds,
            )
        except (RuntimeError, TimeoutError) as error:
            raise RehearsalFailed(
                f"{service.name} not healthy within healthcheckTimeout="
                f"{service.health_timeout_seconds}s: {error}\n{log.read_text(errors='replace')}"
            ) from None
        yield process, time.monotonic() - began
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def exercise_backend(base_url: str) -> None:
    """Real traffic so the peak includes a warmed-up process: the demo's example questions."""
    headers = {"X-Anonymous-ID": "rehearsal-load"}
    with httpx.Client(base_url=base_url, timeout=30, headers=headers) as client:
        examples = client.get("/api/examples")
        if examples.status_code != 200:
            raise RehearsalFailed(f"GET /api/examples answered {examples.status_code}")
        for question in examples.json()["questions"][:3]:
            answered = client.post("/api/query", json={"question": question})
            if answered.status_code != 200:
                raise RehearsalFailed(
                    f"POST /api/query {question!r} answered {answered.status_code}: "
                    f"{answered.text[:300]}"
                )


def exercise_frontend(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for _ in range(3):
            client.get("/").raise_for_status()


def poll(check: Callable[[], bool], *, timeout: float, failure: str) -> None:
    """Call ``check`` until it holds; a rehearsal step that never happens is a failure."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RehearsalFailed(failure)
        time.sleep(0.05)


def backend_waits_on_lock(admin: psycopg.Connection[tuple[object, ...]]) -> bool:
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE application_name = %s AND wait_event_type = 'Lock'",
        (BACKEND_APPLICATION_NAME,),
    ).fetchone()
    return bool(row and row[0])


def drain_backend(
    service: ServiceDeploy, process: subprocess.Popen[bytes], base_url: str, database_url: str
) -> str:
    """SIGTERM while /api/health is held inside the database; it must still answer 200.

    The request is held from outside the product: a second session locks ``alembic_version``
    (as a migration would) so the health check waits on it; the lock is released after SIGTERM.
    """
    outcome: list[int | str] = []

    def request() -> None:
        try:
            outcome.append(httpx.get(base_url + service.health_path, timeout=60).status_code)
        except httpx.HTTPError as error:
            outcome.append(type(error).__name__)

    with (
        psycopg.connect(database_url, autocommit=True) as spy,
        psycopg.connect(database_url) as locker,
    ):
        locker.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
        worker = threading.Thread(target=request)
        worker.start()
        poll(
            lambda: backend_waits_on_lock(spy),
            timeout=15,
            failure="the health request never reached the database",
        )
        process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        still_running = process.poll() is None
        locker.rollback()
    worker.join(timeout=service.draining_seconds + 10)
    code = _wait_exit(process, service.draining_seconds)
    if not still_running or outcome != [200] or code != 0:
        raise RehearsalFailed(
            f"backend dropped the in-flight request on SIGTERM: request={outcome}, "
            f"alive after signal={still_running}, exit={code}"
        )
    return f"in-flight request answered 200 after SIGTERM; exit {code}"


def stop_frontend(service: ServiceDeploy, process: subprocess.Popen[bytes], _: str, __: str) -> str:
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = _wait_exit(process, service.draining_seconds)
    return f"stopped {time.monotonic() - began:.1f}s after SIGTERM (exit {code})"


def _wait_exit(process: subprocess.Popen[bytes], seconds: int) -> int:
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        raise RehearsalFailed(
            f"still running {seconds}s after SIGTERM: Railway would SIGKILL it"
        ) from None


Exercise = Callable[[str], None]
Stop = Callable[[ServiceDeploy, subprocess.Popen[bytes], str, str], str]
BEHAVIOUR: dict[str, tuple[Exercise, Stop]] = {
    "backend": (exercise_backend, drain_backend),
    "frontend": (exercise_frontend, stop_frontend),
}


def builder_tools(service: ServiceDeploy, work: Path, env: dict[str, str]) -> None:
    """Put what the builder provides before the install commands on ``env``'s PATH.

    Railpack installs the ``packages`` of its file with mise; here the pinned uv goes into a
    tools folder. Either builder's Python must be the declared minor version.
    """
    label = f"{service.builder} {service.name}"
    if "uv" in service.packages:
        tools = work / "tools"
        run_steps(
            f"{label} tools",
            [
                f"python -m venv {tools}",
                f"{tools}/bin/pip install --quiet --disable-pip-version-check "
                f"uv=={service.packages['uv']}",
            ],
            env,
        )
        env["PATH"] = f"{tools / 'bin'}{os.pathsep}{env['PATH']}"
    found = subprocess.run(
        ["bash", "-c", "python -c 'import sys; print(*sys.version_info[:2], sep=\".\")'"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if found != service.python_version:
        raise RehearsalFailed(f"{label}: Python {found} here, {service.python_version} declared")


def rehearse(service: ServiceDeploy, runtime: Mapping[str, str], work: Path) -> Figures:
    venv = work / "venv"
    replay = service.with_venv(venv)
    build_env = clean_env(replay.variables)
    build_env.pop("VIRTUAL_ENV", None)
    builder_tools(replay, work, build_env)
    label = f"{service.builder} {service.name}"
    install = run_steps(f"{label} install", replay.install_cmds, build_env)
    run_env = {
        **build_env,
        **runtime,
        "PATH": os.pathsep.join([*replay.paths, build_env["PATH"]]),
    }
    pre_deploy = (
        run_steps(f"{label} pre-deploy", replay.pre_deploy_cmds, run_env)
        if replay.pre_deploy_cmds
        else None
    )
    port = int(runtime["PORT"])
    exercise, stop = BEHAVIOUR[service.name]
    cgroup = MemoryCgroup.create(f"eaa-rehearsal-{label.replace(' ', '-')}-{os.getpid()}")
    try:
        with started(replay, run_env, port, work / "service.log", cgroup) as (process, cold):
            watch = MemoryWatch(process.pid)
            watch.start()
            base_url = f"http://127.0.0.1:{port}"
            exercise(base_url)
            peak = watch.stop()
            shutdown = stop(replay, process, base_url, runtime.get("DATABASE_URL", ""))
    finally:
        if cgroup:
            cgroup.remove()
    if peak > MEMORY_LIMIT_BYTES:
        raise RehearsalFailed(f"{label} peaked at {peak / 2**20:.0f} MiB (limit 512 MiB)")
    return Figures(
        service.builder,
        service.name,
        install,
        pre_deploy,
        cold,
        service.health_timeout_seconds,
        peak,
        "enforced (memory cgroup)" if cgroup else "checked (/proc)",
        shutdown,
    )


def render(figures: list[Figures], postgres_version: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        START_MARKER,
        "## Deploy rehearsal (`nox -s rehearsal`)",
        "",
        f"Measured {stamp} on {os.cpu_count()} CPU(s), {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} (figures grow on a busy machine). For each builder, each "
        "service is built with the install commands of its own Nixpacks or Railpack file, "
        "released with its pre-deploy command against "
        f"a throwaway PostgreSQL {postgres_version}, started with its start command and "
        "stopped with SIGTERM. "
        "Peak memory is the kernel's resident high-water mark (limit 512 MiB). Not checked "
        "here: that Railway applies the files and variables, the builders' base images, the "
        "pre-deploy container's network, the IaC apply (docs/deploy.md).",
        "",
        "| builder | service | install | pre-deploy | cold start → healthy (timeout) | peak RSS "
        "| 512 MiB limit | SIGTERM |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for item in figures:
        pre = f"{item.pre_deploy_seconds:.1f} s" if item.pre_deploy_seconds is not None else "—"
        lines.append(
            f"| {item.builder} | {item.service} | {item.install_seconds:.1f} s | {pre} | "
            f"{item.cold_start_seconds:.2f} s ({item.health_timeout_seconds} s) | "
            f"{item.peak_rss_bytes / 2**20:.0f} MiB | {item.memory_limit} | {item.shutdown} |"
        )
    lines.append(END_MARKER)
    return "\n".join(lines) + "\n"


def write_benchmarks(section: str, path: Path = BENCHMARKS) -> None:
    """Replace the rehearsal section (or append it); the rest of the file is left alone."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if START_MARKER in text and END_MARKER in text:
        head, rest = text.split(START_MARKER, 1)
        tail = rest.split(END_MARKER, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def runtime_for(database_url: str, data_dir: Path) -> dict[str, dict[str, str]]:
    """What Railway would inject or the operator set, per service, for one replay."""
    backend_port = free_port()
    return {
        "backend": {
            "PORT": str(backend_port),
            "DATABASE_URL": database_url,
            "ENCRYPTION_KEY": new_encryption_key(),
            "APP_ENV": "production",
            "DATA_DIR": str(data_dir),
            # The warm-up asks several demo questions as one visitor (production allows 1).
            "ANONYMOUS_FREE_QUESTIONS": "10",
        },
        "frontend": {
            "PORT": str(free_port()),
            "BACKEND_URL": f"http://127.0.0.1:{backend_port}",
        },
    }


def main() -> int:
    if not Path("/proc/self/status").exists():
        print("REHEARSAL FAILED: it replays a Linux deploy and reads /proc; run it on Linux")
        return 1
    figures = []
    with tempfile.TemporaryDirectory(prefix="eaa-rehearsal-") as tmp, throwaway_server() as pg:
        with psycopg.connect(pg.url(), autocommit=True) as admin:
            for builder in BUILDERS:
                admin.execute(f"CREATE DATABASE eaa_rehearsal_{builder}")
            row = admin.execute("SHOW server_version").fetchone()
        version = str(row[0]).split()[0] if row else "unknown"
        try:
            for builder in BUILDERS:
                # A fresh database per builder: each release migrates from nothing.
                runtime = runtime_for(
                    pg.url(f"eaa_rehearsal_{builder}"), Path(tmp) / builder / "data"
                )
                for service in load_services(builder):
                    work = Path(tmp) / builder / service.name
                    work.mkdir(parents=True)
                    figures.append(rehearse(service, runtime[service.name], work))
                    print(f"rehearsal ok: {figures[-1]}", flush=True)
        except RehearsalFailed as error:
            print(f"REHEARSAL FAILED: {error}", file=sys.stderr)
            return 1
    section = render(figures, version)
    print(section)
    write_benchmarks(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
