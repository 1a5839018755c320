"""One entry point for developers and CI: ``nox -l`` lists the sessions.

Every session installs its own dependency group from ``uv.lock`` (``uv sync --frozen``), so
local runs, CI and the deploy use the same versions, and an import a package does not declare
fails instead of passing on what another group pulled in; ``-R`` reuses an environment.
"""

from __future__ import annotations

import os
import shutil

import nox

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests"]

PYTHON = "3.11"


def sync(session: nox.Session, group: str) -> None:
    """Install the locked dependency group ``group`` (and nothing else) into the session."""
    session.run_install(
        "uv",
        "sync",
        "--frozen",
        "--no-default-groups",
        "--group",
        group,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location, "UV_PYTHON_DOWNLOADS": "never"},
        silent=True,
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff (lint + format check) and mypy over both services, the tests and the tooling."""
    sync(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    # Known vulnerabilities in uv.lock; says "NOT AUDITED" (without failing) when offline.
    session.run("python", "scripts/audit_dependencies.py")


def railway_sdk(session: nox.Session) -> None:
    """The locked Railway IaC SDK that renders .railway/railway.ts (no install scripts: the
    CLI's binary download is only needed by the deploy job)."""
    if shutil.which("npm"):
        session.run_install(
            "npm",
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefix",
            ".railway",
            external=True,
            silent=True,
        )


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite against real PostgreSQL and MariaDB (throwaway servers, or
    TEST_DATABASE_URL / TEST_MYSQL_URL).

    One worker per CPU, each with its own throwaway servers; a test file stays on one worker so
    its module-wide services start once. The suite waits on the services it starts about half
    the time, so two workers on two cores take 18 minutes instead of 26.
    """
    sync(session, "test")
    railway_sdk(session)
    session.run("pytest", *(session.posargs or ["tests", "-n", "auto", "--dist", "loadfile"]))


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Run benchmarks/*.py against baselines and rewrite the table in docs/benchmarks.md."""
    sync(session, "run")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session(name="llm-real", python=PYTHON, default=False)
def llm_real(session: nox.Session) -> None:
    """The LLM engine end to end against real llama.cpp servers and SmolLM2-135M (slow, opt-in).

    Builds llama-cpp-python from source on first use (about 25 minutes on 2 busy cores; uv
    caches the wheel), then rewrites its section of docs/benchmarks.md. Posargs pick servers by
    name; llama.cpp's own ``llama-server`` is used too when it is on PATH.
    """
    # A portable CPU build: the default native one hung on its first completion here (see
    # docs/benchmarks.md). uv reuses a wheel it built before, whatever these flags.
    session.env["CMAKE_ARGS"] = "-DGGML_NATIVE=OFF"
    sync(session, "llm-real")
    session.run("python", "-m", "scripts.llm_real", *session.posargs)


@nox.session(python=PYTHON, default=False)
def eval(session: nox.Session) -> None:
    """Text-to-SQL accuracy of the offline engine on Spider dev split A (docs/benchmarks.md)."""
    sync(session, "run")
    session.run("python", "-m", "benchmarks.text2sql", *session.posargs)


@nox.session(python=PYTHON, default=False)
def serve(session: nox.Session) -> None:
    """Run backend (:8000) and frontend (:7860) on embedded defaults; Ctrl-C stops both."""
    sync(session, "run")
    session.run(
        "python", "scripts/serve.py", *session.posargs, env={"DATA_DIR": os.path.abspath("data")}
    )


@nox.session(python=PYTHON)
def smoke(session: nox.Session) -> None:
    """Start each service with the deploy's start command and wait for its health check."""
    sync(session, "run")
    session.run("python", "-m", "scripts.smoke")


@nox.session(python=PYTHON)
def rehearsal(session: nox.Session) -> None:
    """Replay each service's Nixpacks and Railpack builds, pre-deploy, start and SIGTERM."""
    sync(session, "run")
    session.run("python", "-m", "scripts.rehearsal")
