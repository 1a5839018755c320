"""Request rate limits in fixed time windows, counted in the app database.

Counting in PostgreSQL (not process memory) makes a limit hold across every replica. One
``INSERT … ON CONFLICT DO UPDATE … WHERE hits < limit RETURNING`` for all of a request's keys
(its address, its user or visitor) is atomic and one round trip: each conflicting row is locked
and its own limit re-checked, so concurrent requests never overshoot. Keys are locked in sorted
order, so two requests never wait on each other. Callers run this in a short unit of work that
holds no lock across slow work, so a slow request does not hold the window rows locked.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from sqlalchemy import case, delete
from sqlalchemy.orm import Session

from backend.core.errors import TooManyRequests
from backend.data.models import RateLimitWindow
from backend.data.upsert import insert_for


def hit(
    session: Session, limits: Mapping[str, int], *, window_seconds: int, now: float | None = None
) -> None:
    """Count one request against each key (key → its limit per window; a limit of 0 or less is
    no limit); raise ``TooManyRequests`` when any key is used up. The caller's transaction
    then rolls back the other keys' counts, as if the request had not come."""
    counted = {key: limit for key, limit in limits.items() if limit > 0}
    if not counted:
        return
    now = time.time() if now is None else now
    window_start = int(now // window_seconds) * window_seconds
    keys = sorted(counted)
    rows = [{"key": key, "window_start": window_start, "hits": 1} for key in keys]
    limit_of_row = case(counted, value=RateLimitWindow.key)
    statement = (
        insert_for(session, RateLimitWindow)
        .values(rows)
        .on_conflict_do_update(
            index_elements=[RateLimitWindow.key, RateLimitWindow.window_start],
            set_={"hits": RateLimitWindow.hits + 1},
            where=RateLimitWindow.hits < limit_of_row,
        )
        .returning(RateLimitWindow.hits)
    )
    hits = list(session.execute(statement).scalars())
    if len(hits) < len(keys):
        retry_after = max(1, math.ceil(window_start + window_seconds - now))
        raise TooManyRequests(
            f"Too many requests; please wait {retry_after} s and try again.",
            retry_after=retry_after,
        )
    if 1 in hits:
        # First request of a key's new window: forget every window that has ended, so the
        # table holds one row per active key.
        session.execute(delete(RateLimitWindow).where(RateLimitWindow.window_start < window_start))
