"""Connection rows and their table choices in the app database, always filtered by owner."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, defer, joinedload

from backend.data.models import Connection, ConnectionTable, Upload
from backend.data.ownership import load_owned

# The upload row (if the connection is one) comes in the same statement: it decides where
# the data lives, and a second lookup would cost a round trip on every question.
_WITH_UPLOAD = joinedload(Connection.upload)


def owned(session: Session, user_id: str, connection_id: str) -> Connection:
    """Someone else's connection answers 404 like a missing one; ``upload`` is loaded."""
    return load_owned(session, Connection, connection_id, user_id, "connection", _WITH_UPLOAD)


def owned_for_query(session: Session, user_id: str, connection_id: str) -> Connection:
    """``owned`` without reading the cached scan (JSON of every table) unless it is asked for:
    questions use the scan already parsed in memory while its ``scanned_at`` is unchanged."""
    options = (defer(Connection.schema_cache), _WITH_UPLOAD)
    return load_owned(session, Connection, connection_id, user_id, "connection", *options)


def count_owned(session: Session, user_id: str) -> int:
    mine = Connection.user_id == user_id
    return session.execute(select(func.count()).select_from(Connection).where(mine)).scalar_one()


def list_owned(session: Session, user_id: str) -> list[Connection]:
    return list(
        session.execute(
            select(Connection).where(Connection.user_id == user_id).order_by(Connection.created_at)
        ).scalars()
    )


def ids_owned(session: Session, user_id: str) -> list[str]:
    return list(
        session.execute(select(Connection.id).where(Connection.user_id == user_id)).scalars()
    )


def add(session: Session, row: Connection) -> None:
    session.add(row)
    session.flush()


def remove(session: Session, row: Connection) -> None:
    """Cascades to its tables, conversations and history."""
    session.delete(row)
    session.flush()


def tables(session: Session, connection_id: str) -> list[ConnectionTable]:
    return list(
        session.execute(
            select(ConnectionTable).where(ConnectionTable.connection_id == connection_id)
        ).scalars()
    )


def replace_tables(session: Session, connection_id: str, names: Collection[str]) -> None:
    """Keep the choices for known tables, enable new ones, drop vanished ones."""
    known = {t.table_name for t in tables(session, connection_id)}
    session.execute(
        delete(ConnectionTable).where(
            ConnectionTable.connection_id == connection_id,
            ConnectionTable.table_name.not_in(names),
        )
    )
    for name in set(names) - known:
        session.add(ConnectionTable(connection_id=connection_id, table_name=name, enabled=True))
    session.flush()


def all_for_update(session: Session) -> list[Connection]:
    """Every connection with credentials (uploads have none), locked: key rotation rewrites
    them all in one transaction."""
    uploaded = select(Upload.connection_id).where(Upload.connection_id == Connection.id)
    query = select(Connection).where(~uploaded.exists()).with_for_update()
    return list(session.execute(query).scalars())
