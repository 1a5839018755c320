"""Request rate limits in fixed time windows, counted in the app database.

Counting in PostgreSQL (not process memory) makes a limit hold across every replica. One
``INSERT … ON CONFLICT DO UPDATE … WHERE hits < limit RETURNING hits`` per key is atomic: the
conflicting row is locked and the condition re-checked, so concurrent requests never overshoot.
Callers run each count as its own statement, never inside the request's transaction, so a slow
request does not hold the window row locked and refused requests still count.
"""

from __future__ import annotations

import math
import time

from sqlalchemy import delete
from sqlalchemy.orm import Session

from backend.core.errors import TooManyRequests
from backend.data.models import RateLimitWindow
from backend.data.upsert import increment_below


def hit(
    session: Session, keys: list[str], *, limit: int, window_seconds: int, now: float | None = None
) -> None:
    """Count one request against each key; raise ``TooManyRequests`` when any key is used up."""
    now = time.time() if now is None else now
    window_start = int(now // window_seconds) * window_seconds
    for key in keys:
        row = {"key": key, "window_start": window_start}
        hits = increment_below(session, RateLimitWindow, [row], counter="hits", limit=limit)
        if not hits:
            retry_after = max(1, math.ceil(window_start + window_seconds - now))
            raise TooManyRequests(
                f"Too many requests; please wait {retry_after} s and try again.",
                retry_after=retry_after,
            )
        if hits == [1]:
            # First request of a key's new window: forget every window that has ended, so the
            # table holds one row per active key.
            session.execute(
                delete(RateLimitWindow).where(RateLimitWindow.window_start < window_start)
            )
