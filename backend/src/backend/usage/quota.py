"""Question allowances, counted in the app database so every replica sees the same numbers.

Each subject (``user:<id>``, ``anon:<id>``, ``ip:<address>``) has a counter per period. One
conditional upsert for all of a question's subjects (``INSERT … ON CONFLICT DO UPDATE SET
used = used + 1 WHERE used < limit RETURNING``) makes consumption atomic under concurrency and
costs one round trip: PostgreSQL re-checks the condition after taking each row lock, so twenty
parallel requests against ten remaining questions yield exactly ten successes. Subjects are
always locked in the same (sorted) order, so two requests can never wait on each other.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from backend.core.errors import QuotaExceeded
from backend.data.models import UsageCounter
from backend.data.upsert import increment_below

LIFETIME = "lifetime"


def monthly_period(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m")


def consume(session: Session, subjects: list[str], *, limit: int, period: str, message: str) -> int:
    """Take one question from every subject's allowance; return what the tightest one has left.

    Raises ``QuotaExceeded`` (with ``remaining=0``) when any subject is used up; the caller's
    transaction then rolls back the increments already made for the other subjects.
    """
    distinct = set(subjects)
    if limit <= 0 or not distinct:
        raise QuotaExceeded(message, extra={"remaining": 0, "limit": max(limit, 0)})
    rows = [{"subject": subject, "period": period} for subject in distinct]
    used = increment_below(session, UsageCounter, rows, counter="used", limit=limit)
    if len(used) < len(rows):
        raise QuotaExceeded(message, extra={"remaining": 0, "limit": limit})
    return max(limit - max(used), 0)


# Built once: only the values change between calls, so building and compiling are not repeated.
_USED_MOST = select(func.max(UsageCounter.used)).where(
    UsageCounter.subject.in_(bindparam("subjects", expanding=True)),
    UsageCounter.period == bindparam("period"),
)


def remaining(session: Session, subjects: list[str], *, limit: int, period: str) -> int:
    """What the tightest of ``subjects`` has left this period, in one read."""
    used = session.execute(
        _USED_MOST, {"subjects": subjects, "period": period}
    ).scalar_one_or_none()
    return max(limit - (used or 0), 0)
