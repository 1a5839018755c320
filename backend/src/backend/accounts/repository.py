"""Account rows in the app database."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from backend.data.models import UsageCounter, User


def get_user(session: Session, user_id: str) -> User:
    return session.get_one(User, user_id)


def delete_user(session: Session, user_id: str) -> None:
    """Hard delete: the user row cascades to sessions, connections, history, conversations;
    the monthly counters are keyed by subject, not by a foreign key."""
    session.execute(delete(UsageCounter).where(UsageCounter.subject == f"user:{user_id}"))
    session.execute(delete(User).where(User.id == user_id))
