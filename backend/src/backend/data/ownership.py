"""The one way to load a user's row by id: someone else's row answers 404 like a missing one."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from backend.core.errors import NotFound
from backend.data.models import Connection, QueryRecord

T = TypeVar("T", Connection, QueryRecord)


def load_owned(
    session: Session,
    model: type[T],
    row_id: str,
    user_id: str,
    what: str,
    *options: ExecutableOption,
) -> T:
    """Fetch ``model`` row ``row_id`` only if ``user_id`` owns it; otherwise ``NotFound``.

    ``options`` shape the load (e.g. defer a large column the caller may not need)."""
    try:
        uuid.UUID(row_id)
    except ValueError:
        raise NotFound(f"No such {what}.") from None
    row = session.execute(
        select(model).where(model.id == row_id, model.user_id == user_id).options(*options)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No such {what}.")
    return row
