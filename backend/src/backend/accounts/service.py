"""The signed-in user's own account: profile with quota, and deletion of everything they own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from backend.core.config import Settings
from backend.data.models import UsageCounter, User
from backend.usage import quota


def profile(session: Session, settings: Settings, user_id: str) -> dict[str, Any]:
    user = session.get_one(User, user_id)
    period = quota.monthly_period()
    limit = settings.free_monthly_quota
    left = quota.remaining(session, f"user:{user_id}", limit=limit, period=period)
    return {
        "id": user.id,
        "email": user.email,
        "plan": user.plan,
        "quota": {"remaining": left, "limit": limit, "period": period},
    }


def delete_account(session: Session, user_id: str) -> None:
    """Hard delete: the user row cascades to sessions, connections, history, conversations."""
    session.execute(delete(UsageCounter).where(UsageCounter.subject == f"user:{user_id}"))
    session.execute(delete(User).where(User.id == user_id))
