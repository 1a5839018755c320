"""Question allowances, counted in the app database so every replica sees the same numbers.

Each subject (``user:<id>``, ``anon:<id>``, ``ip:<address>``) has a counter per period. One
conditional ``UPDATE … WHERE used < limit RETURNING used`` per subject makes consumption atomic
under concurrency: PostgreSQL re-checks the condition after taking the row lock, so twenty
parallel requests against ten remaining questions yield exactly ten successes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core.errors import QuotaExceeded
from backend.data.models import UsageCounter
from backend.data.upsert import insert_for

LIFETIME = "lifetime"


def monthly_period(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m")


def _ensure_row(session: Session, subject: str, period: str) -> None:
    statement = insert_for(session, UsageCounter).values(subject=subject, period=period, used=0)
    session.execute(statement.on_conflict_do_nothing())


def consume(session: Session, subjects: list[str], *, limit: int, period: str, message: str) -> int:
    """Take one question from every subject's allowance; return what the tightest one has left.

    Raises ``QuotaExceeded`` (with ``remaining=0``) when any subject is used up; the caller's
    transaction then rolls back the increments already made for the other subjects.
    """
    remaining = limit
    for subject in subjects:
        _ensure_row(session, subject, period)
        used = session.execute(
            update(UsageCounter)
            .where(
                UsageCounter.subject == subject,
                UsageCounter.period == period,
                UsageCounter.used < limit,
            )
            .values(used=UsageCounter.used + 1)
            .returning(UsageCounter.used)
        ).scalar_one_or_none()
        if used is None:
            raise QuotaExceeded(message, extra={"remaining": 0, "limit": limit})
        remaining = min(remaining, limit - used)
    return remaining


def remaining(session: Session, subject: str, *, limit: int, period: str) -> int:
    used = session.execute(
        select(UsageCounter.used).where(
            UsageCounter.subject == subject, UsageCounter.period == period
        )
    ).scalar_one_or_none()
    return max(limit - (used or 0), 0)
