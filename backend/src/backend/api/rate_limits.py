"""Rate-limit dependencies: per client address (and anonymous visitor) on every API route, per
signed-in user where the user is resolved.

Each count is one statement that commits on its own (see ``usage.rate_limit``): a refused or
failing request still counts, nothing stays locked, and no BEGIN or COMMIT round trip is paid.
A request's counts run together in one worker thread on one pooled connection: the address and
an anonymous visitor's id are both known from the request itself, so they are counted at once;
a signed-in user's id is known only after the token's session is read, and is counted on that
read's connection (``api.deps``).
"""

from __future__ import annotations

import re

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.data.database import statements
from backend.usage import rate_limit
from backend.wiring import AppServices

WINDOW_SECONDS = 60
EXEMPT_PATHS = frozenset({"/api/health"})
ANON_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _services(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


def count(session: Session, limits: list[tuple[str, int]]) -> None:
    """Count one request against each ``(key, limit)`` in order (a limit of 0 is off)."""
    for key, limit in limits:
        if limit > 0:
            rate_limit.hit(session, [key], limit=limit, window_seconds=WINDOW_SECONDS)


def _count_alone(request: Request, limits: list[tuple[str, int]]) -> None:
    with statements(_services(request).autocommit) as session:
        count(session, limits)


def visitor_key(request: Request) -> str | None:
    """``anon:<id>`` of an anonymous visitor with a well-formed id (a signed-in request counts
    as its user instead; a malformed id is refused where the principal is resolved)."""
    anon_id = request.headers.get("X-Anonymous-ID")
    if anon_id is None or "authorization" in request.headers or not ANON_ID.fullmatch(anon_id):
        return None
    return f"anon:{anon_id}"


async def limit_requests(request: Request) -> None:
    """App-wide dependency: requests per minute from one client address, and from one
    anonymous visitor id when the request carries one.

    Async so an exempt or unlimited request (health checks) never waits for a worker thread.
    """
    settings = _services(request).settings
    if request.url.path in EXEMPT_PATHS:
        return
    address = request.client.host if request.client else "unknown"
    limits = [(f"ip:{address}", settings.rate_limit_per_minute)]
    visitor = visitor_key(request)
    if visitor is not None:
        limits.append((visitor, settings.rate_limit_user_per_minute))
    if any(limit > 0 for _, limit in limits):
        await run_in_threadpool(_count_alone, request, limits)
