"""Rate-limit dependencies: per client address on every API route, per user or visitor.

Each count is one statement that commits on its own (see ``usage.rate_limit``), so a refused
or failing request still counts and nothing stays locked. Sync functions on purpose: FastAPI
runs them in its thread pool, so the database round trip never blocks the loop.
"""

from __future__ import annotations

from fastapi import Request

from backend.data.database import statements
from backend.usage import rate_limit
from backend.wiring import AppServices

WINDOW_SECONDS = 60
EXEMPT_PATHS = frozenset({"/api/health"})


def _services(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


def _count(request: Request, key: str | None, limit: int) -> None:
    if limit <= 0 or key is None:
        return
    with statements(_services(request).autocommit) as session:
        rate_limit.hit(session, {key: limit}, window_seconds=WINDOW_SECONDS)


def limit_by_address(request: Request) -> None:
    """App-wide dependency: requests per minute from one client address."""
    if request.url.path in EXEMPT_PATHS:
        return
    settings = _services(request).settings
    address = request.client.host if request.client else "unknown"
    _count(request, f"ip:{address}", settings.rate_limit_per_minute)


def limit_principal(request: Request, *, user_id: str | None, anon_id: str | None) -> None:
    """Requests per minute of one signed-in user (or anonymous visitor id), on any replica.

    Called where the principal is resolved, since only then is the caller known.
    """
    settings = _services(request).settings
    key = f"user:{user_id}" if user_id else f"anon:{anon_id}" if anon_id else None
    _count(request, key, settings.rate_limit_user_per_minute)
