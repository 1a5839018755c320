"""The FastAPI application factory: wiring only, no business rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from backend.accounts import router as accounts
from backend.api.errors import ERROR_RESPONSES, install_error_handlers
from backend.api.middleware import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from backend.api.rate_limits import limit_requests
from backend.ask import router as ask
from backend.connections import router as connections
from backend.core.config import Environment, Settings, load_settings
from backend.health import router as health
from backend.history import router as history
from backend.plans import router as plans
from backend.targets.gate import worker_threads
from backend.uploads import router as uploads
from backend.version import __version__
from backend.voice import router as voice
from backend.wiring import build_services

# Endpoints taking uploads larger than MAX_BODY_BYTES (voice recordings up to 10 MB; files
# up to UPLOAD_MAX_BYTES, plus room for the multipart framing around them).
UPLOAD_LIMITS = {"/api/transcribe": 11 * 1024 * 1024}
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    services = build_services(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Sync routes run on this pool: room for every operation the database gate may hold
        # (running or waiting) on top of the threads the rest of the API answers on.
        anyio.to_thread.current_default_thread_limiter().total_tokens = worker_threads(
            total=settings.user_db_max_concurrent, queued=settings.user_db_max_queued
        )
        yield
        services.dispose()

    app = FastAPI(
        title="Executive Analytics Assistant API",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        dependencies=[Depends(limit_requests)],
        responses=ERROR_RESPONSES,
    )
    app.state.services = services
    # Added innermost first: body limit, CORS, security headers, request id + access log.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        deadline_seconds=settings.http_body_timeout_seconds,
        overrides={
            **UPLOAD_LIMITS,
            "/api/uploads": settings.upload_max_bytes + MULTIPART_OVERHEAD_BYTES,
        },
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID", "X-Anonymous-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
    )
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts=settings.app_env is Environment.PRODUCTION,
        docs_path="/api/docs",
    )
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    # Routes are matched in order: questions, the busiest, first (no two routers' paths meet).
    for module in (ask, health, plans, accounts, connections, uploads, history, voice):
        app.include_router(module.router, prefix="/api")
    return app
