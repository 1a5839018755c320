"""Request rate limits in fixed time windows, counted in the app database.

Counting in PostgreSQL (not process memory) makes a limit hold across every replica. One
``INSERT … ON CONFLICT DO UPDATE … WHERE hits < limit RETURNING hits`` per key is atomic: the
conflicting row is locked and the condition re-checked, so concurrent requests never overshoot.
Callers run this in its own short transaction, never the request's, so a slow request does not
hold the window row locked and refused requests still count.
"""

from __future__ import annotations

import math
import time

from sqlalchemy import delete
from sqlalchemy.orm import Session

from backend.core.errors import TooManyRequests
from backend.data.models import RateLimitWindow
from backend.data.upsert import insert_for


def hit(
    session: Session, keys: list[str], *, limit: int, window_seconds: int, now: float | None = None
) -> None:
    """Count one request against each key; raise ``TooManyRequests`` when any key is used up."""
    now = time.time() if now is None else now
    window_start = int(now // window_seconds) * window_seconds
    for key in keys:
        values = insert_for(session, RateLimitWindow).values(
            key=key, window_start=window_start, hits=1
        )
        statement = values.on_conflict_do_update(
            index_elements=[RateLimitWindow.key, RateLimitWindow.window_start],
            set_={"hits": RateLimitWindow.hits + 1},
            where=RateLimitWindow.hits < limit,
        ).returning(RateLimitWindow.hits)
        hits = session.execute(statement).scalar_one_or_none()
        if hits is None:
            retry_after = max(1, math.ceil(window_start + window_seconds - now))
            raise TooManyRequests(
                f"Too many requests; please wait {retry_after} s and try again.",
                retry_after=retry_after,
            )
        if hits == 1:
            # First request of a key's new window: forget every window that has ended, so the
            # table holds one row per active key.
            session.execute(
                delete(RateLimitWindow).where(RateLimitWindow.window_start < window_start)
            )
