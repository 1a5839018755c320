"""Upload rows in the app database, always filtered by owner (a connection's own upload is
loaded with its row, ``Connection.upload``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.data.models import Upload, User


def owned(session: Session, user_id: str) -> list[Upload]:
    return list(session.execute(select(Upload).where(Upload.user_id == user_id)).scalars())


def stored_bytes(session: Session, user_id: str) -> int:
    total = select(func.coalesce(func.sum(Upload.stored_bytes), 0)).where(Upload.user_id == user_id)
    return int(session.execute(total).scalar_one())


def lock_owner(session: Session, user_id: str) -> None:
    """Serialise one user's uploads (on PostgreSQL), so two at once cannot both fit the
    allowance that only one of them fits."""
    session.execute(select(User.id).where(User.id == user_id).with_for_update())


def add(session: Session, row: Upload) -> None:
    session.add(row)
    session.flush()
