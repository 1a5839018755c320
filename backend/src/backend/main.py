"""The FastAPI application factory: wiring only, no business rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from backend.api.errors import install_error_handlers
from backend.api.middleware import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from backend.api.rate_limits import limit_by_address
from backend.api.routes import auth, connections, health, history, query, transcribe
from backend.core.config import Environment, Settings, load_settings
from backend.data.database import known_revisions, make_engine, make_session_factory
from backend.services.auth import build_auth
from backend.services.connections import ConnectionRegistry
from backend.services.crypto import load_keyring
from backend.services.demo_target import DemoTargets
from backend.services.engines import LazyEngine
from backend.services.engines.llm_probe import LlmHealth
from backend.services.health import HealthService
from backend.version import __version__

# Endpoints taking uploads larger than MAX_BODY_BYTES (voice recordings up to 10 MB).
UPLOAD_LIMITS = {"/api/transcribe": 11 * 1024 * 1024}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    engine = make_engine(settings)
    keyring = load_keyring(settings)
    registry = ConnectionRegistry(settings, keyring)
    demo = DemoTargets(settings)  # opened on the first demo question, not at start-up

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        registry.dispose()
        demo.dispose()
        engine.dispose()

    app = FastAPI(
        title="Executive Analytics Assistant API",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        dependencies=[Depends(limit_by_address)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    app.state.auth = build_auth(settings, app.state.sessions, keyring)
    app.state.connections = registry
    app.state.demo = demo
    app.state.question_engine = LazyEngine(settings)  # offline unless OPENAI_API_KEY is set
    app.state.health = HealthService(
        engine,
        known=known_revisions(),
        version=__version__,
        commit=settings.commit_sha,
        llm=LlmHealth(settings) if settings.llm_enabled else None,
    )
    # Added innermost first: body limit, CORS, security headers, request id + access log.
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, overrides=UPLOAD_LIMITS
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
    app.include_router(health.router, prefix="/api")
    app.include_router(auth.router, prefix="/api")
    app.include_router(connections.router, prefix="/api")
    app.include_router(history.router, prefix="/api")
    app.include_router(query.router, prefix="/api")
    app.include_router(transcribe.router, prefix="/api")
    return app
