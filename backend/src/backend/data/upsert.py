"""``INSERT … ON CONFLICT`` for the app database, whichever it is (PostgreSQL or embedded
SQLite): both dialects spell it the same way, from different modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def insert_for(session: Session, table: Any) -> Any:
    """An insert on ``table`` that supports ``on_conflict_do_*`` on the session's database."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(table)
