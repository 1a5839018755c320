"""The signed-in user's own account: profile with quota, and deletion of everything they own."""

from __future__ import annotations

from contract.accounts import Profile
from contract.ask import Quota
from sqlalchemy.orm import Session

from backend.accounts import repository
from backend.core.config import Settings
from backend.usage import quota


def profile(session: Session, settings: Settings, user_id: str) -> Profile:
    user = repository.get_user(session, user_id)
    period = quota.monthly_period()
    limit = settings.free_monthly_quota
    left = quota.remaining(session, [f"user:{user_id}"], limit=limit, period=period)
    return Profile(
        id=user.id,
        email=user.email,
        plan=user.plan,
        quota=Quota(remaining=left, limit=limit, period=period),
    )


def delete_account(session: Session, user_id: str) -> None:
    repository.delete_user(session, user_id)
