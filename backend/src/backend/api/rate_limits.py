"""Rate-limit dependencies: per client address on every API route, per user or visitor.

Each count is one statement that commits on its own (see ``usage.rate_limit``): a refused or
failing request still counts, nothing stays locked, and no BEGIN or COMMIT round trip is paid.
The counts run in worker threads, so the database round trip never blocks the event loop.
"""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

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
        rate_limit.hit(session, [key], limit=limit, window_seconds=WINDOW_SECONDS)


async def limit_by_address(request: Request) -> None:
    """App-wide dependency: requests per minute from one client address.

    Async so an exempt or unlimited request (health checks) never waits for a worker thread.
    """
    limit = _services(request).settings.rate_limit_per_minute
    if request.url.path in EXEMPT_PATHS or limit <= 0:
        return
    address = request.client.host if request.client else "unknown"
    await run_in_threadpool(_count, request, f"ip:{address}", limit)


def limit_principal(request: Request, *, user_id: str | None, anon_id: str | None) -> None:
    """Requests per minute of one signed-in user (or anonymous visitor id), on any replica.

    Called where the principal is resolved (in a worker thread), since only then is the caller
    known.
    """
    settings = _services(request).settings
    key = f"user:{user_id}" if user_id else f"anon:{anon_id}" if anon_id else None
    _count(request, key, settings.rate_limit_user_per_minute)
