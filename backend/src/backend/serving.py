"""What ``python -m backend serve`` runs: ``/api/health`` from the first moment, then the app.

Importing the full app (SQLAlchemy and its ORM models, every route and the libraries behind
them) is most of a start-up. A platform sends traffic only once ``/api/health`` answers, so that
route is served at once, with the app's own check (the database reachable and migrated to this
code's revision, read over a plain driver connection instead of the not yet imported engine),
while a worker thread imports and builds the app. Every other request waits for the build (it
never fails for it), then goes to the app, which from then on answers health too. The early
answers carry ``X-Backend-Starting: 1``, so whoever must know the whole app is up (the test
harness, the start-up benchmark) can tell. A build that fails ends the process, as a failing
start-up always did.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, closing
from typing import Any

import psycopg
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.api.middleware import RequestContextMiddleware, SecurityHeadersMiddleware
from backend.core.config import Environment, Settings, load_settings
from backend.data.revisions import known_revisions
from backend.health.service import RETRY_AFTER_SECONDS, HealthReport, HealthService, public
from backend.version import __version__

log = logging.getLogger(__name__)

HEALTH_PATH = "/api/health"
STARTING_HEADER = b"x-backend-starting"
CONNECT_TIMEOUT_SECONDS = 5
# Each early check opens a connection; answers within this time reuse the last one, so a
# platform (or benchmark) polling fast does not make the database fork a backend per poll
# while the app is being built on the same CPUs.
EARLY_CHECK_SECONDS = 1.0
EXIT_BUILD_FAILED = 3


def create_server_app() -> ASGIApp:
    """Uvicorn's factory (settings were validated by the CLI before it got here)."""
    return StagedApp(load_settings())


def _driver_revision(settings: Settings) -> Callable[[], str | None]:
    """Read the migrated revision with the bare driver: a connection per call, only while the
    app is being built (a few health checks)."""
    if settings.embedded:
        path = settings.sqlalchemy_url.removeprefix("sqlite:///")

        def sqlite_revision() -> str | None:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as conn:
                found = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
                ).fetchone()
                row = found and conn.execute("SELECT version_num FROM alembic_version").fetchone()
                return str(row[0]) if row else None

        return sqlite_revision
    libpq_url = "postgresql://" + settings.sqlalchemy_url.split("://", 1)[1]

    def postgres_revision() -> str | None:
        with psycopg.connect(
            libpq_url, connect_timeout=CONNECT_TIMEOUT_SECONDS, application_name="eaa-backend"
        ) as conn:
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            except psycopg.errors.UndefinedTable:
                return None
            return str(row[0]) if row else None

    return postgres_revision


class StagedApp:
    """Health at once, the app once built (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._app: ASGIApp | None = None
        self._app_lifespan: AbstractAsyncContextManager[Any] | None = None
        self._ready = asyncio.Event()
        self._report: HealthReport | None = None
        self._report_at = 0.0
        self._health = HealthService(
            _driver_revision(settings),
            unreachable=(psycopg.Error, sqlite3.Error, OSError),
            known=known_revisions(),
            version=__version__,
            commit=settings.commit_sha,
            llm_enabled=settings.llm_enabled,
        )
        headers = SecurityHeadersMiddleware(
            self._early_health, hsts=settings.app_env is Environment.PRODUCTION
        )
        self._early: ASGIApp = RequestContextMiddleware(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self._app is None and scope["type"] == "http" and scope.get("path") == HEALTH_PATH:
            await self._early(scope, receive, send)
            return
        await self._ready.wait()
        assert self._app is not None  # ready is set only once the app is built
        await self._app(scope, receive, send)

    async def _early_health(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._report is None or time.monotonic() - self._report_at > EARLY_CHECK_SECONDS:
            self._report = await asyncio.to_thread(self._health.check)
            self._report_at = time.monotonic()
        report = self._report
        body = public(report).model_dump_json().encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
            (STARTING_HEADER, b"1"),
        ]
        status = 200 if report.database == "ok" else 503
        if status != 200:
            headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._build, args=(loop,), name="app-build", daemon=True).start()
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await self._ready.wait()
        if self._app_lifespan is not None:
            await self._app_lifespan.__aexit__(None, None, None)
        await send({"type": "lifespan.shutdown.complete"})

    def _build(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            from backend.main import create_app

            app = create_app(self._settings)
        except BaseException:
            log.exception("the app could not be built; stopping")
            os._exit(EXIT_BUILD_FAILED)  # nothing was served but health: no drain to wait for
        asyncio.run_coroutine_threadsafe(self._start(app), loop).result()

    async def _start(self, app: Any) -> None:
        """Run the app's own start-up (its lifespan) on the server's loop, then let traffic in."""
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        self._app, self._app_lifespan = app, lifespan
        self._ready.set()
