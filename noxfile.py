"""One entry point for developers and CI: ``nox -l`` lists the sessions.

Every session installs from ``uv.lock`` (``uv sync --frozen``), so local runs, CI and the
deploy use the same versions; ``-R`` reuses an existing environment without reinstalling.
"""

from __future__ import annotations

import os

import nox

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests"]

PYTHON = "3.11"


def sync(session: nox.Session, *args: str) -> None:
    """Install the locked dependency set into this session's environment."""
    session.run_install(
        "uv",
        "sync",
        "--frozen",
        "--all-packages",
        *args,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location, "UV_PYTHON_DOWNLOADS": "never"},
        silent=True,
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff (lint + format check) and mypy over both services, the tests and the tooling."""
    sync(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    # Known vulnerabilities in uv.lock; says "NOT AUDITED" (without failing) when offline.
    session.run("python", "scripts/audit_dependencies.py")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite against a real PostgreSQL (throwaway server or TEST_DATABASE_URL)."""
    sync(session)
    session.run("pytest", *(session.posargs or ["tests"]))


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Run benchmarks/*.py against baselines and rewrite the table in docs/benchmarks.md."""
    sync(session)
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
    sync(session, "--group", "llm-real")
    session.run("python", "-m", "scripts.llm_real", *session.posargs)


@nox.session(python=PYTHON, default=False)
def serve(session: nox.Session) -> None:
    """Run backend (:8000) and frontend (:7860) on embedded defaults; Ctrl-C stops both."""
    sync(session)
    session.run(
        "python", "scripts/serve.py", *session.posargs, env={"DATA_DIR": os.path.abspath("data")}
    )


@nox.session(python=PYTHON)
def smoke(session: nox.Session) -> None:
    """Start each service with the deploy's start command and wait for its health check."""
    sync(session)
    session.run("python", "-m", "scripts.smoke")


@nox.session(python=PYTHON)
def rehearsal(session: nox.Session) -> None:
    """Replay each service's Nixpacks build, pre-deploy, start and SIGTERM (docs/benchmarks.md)."""
    sync(session)
    session.run("python", "-m", "scripts.rehearsal")
