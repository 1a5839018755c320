"""History rows in the app database, always filtered by owner."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.data.models import QueryRecord
from backend.data.ownership import load_owned


def owned(session: Session, user_id: str, item_id: str) -> QueryRecord:
    """Someone else's item answers 404 like a missing one."""
    return load_owned(session, QueryRecord, item_id, user_id, "history item")


def page(
    session: Session, user_id: str, *, page: int, page_size: int
) -> tuple[int, list[QueryRecord]]:
    """(total, the items of ``page``), newest first."""
    mine = QueryRecord.user_id == user_id
    total = session.execute(select(func.count()).select_from(QueryRecord).where(mine)).scalar_one()
    records = session.execute(
        select(QueryRecord)
        .where(mine)
        .order_by(QueryRecord.created_at.desc(), QueryRecord.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).scalars()
    return total, list(records)
