"""The ask pipeline's reads and writes in the app database: conversations and answered turns."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from backend.core.principal import Principal
from backend.data.models import Conversation, QueryRecord, new_id


def owned_conversation(
    session: Session, principal: Principal, conversation_id: str, connection_key: str | None
) -> Conversation | None:
    """The caller's own conversation on the same database, or None."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.connection_id != connection_key:
        return None
    if principal.user_id is not None:
        mine = conversation.user_id == principal.user_id
    else:
        mine = (
            conversation.user_id is None
            and bool(principal.anon_id)
            and conversation.anon_id == principal.anon_id
        )
    return conversation if mine else None


def recent_turns(session: Session, conversation_id: str, limit: int) -> list[QueryRecord]:
    """The last ``limit`` answered turns of a conversation, oldest first."""
    records = session.scalars(
        select(QueryRecord)
        .where(QueryRecord.conversation_id == conversation_id, QueryRecord.status == "ok")
        .order_by(QueryRecord.created_at.desc())
        .limit(limit)
    ).all()
    return list(reversed(records))


def liked(
    session: Session, user_id: str, connection_key: str | None, limit: int
) -> list[QueryRecord]:
    """Question→SQL pairs the user marked helpful on the same database, newest first."""
    same_database = (
        QueryRecord.connection_id.is_(None)
        if connection_key is None
        else QueryRecord.connection_id == connection_key
    )
    return list(
        session.scalars(
            select(QueryRecord)
            .where(
                QueryRecord.user_id == user_id,
                same_database,
                QueryRecord.feedback == 1,
                QueryRecord.question.is_not(None),
            )
            .order_by(QueryRecord.created_at.desc())
            .limit(limit)
        ).all()
    )


# Rows written once per question and never read back in it go in as plain inserts, built
# once (SQLAlchemy compiles each shape once): the ORM's unit of work would only add its own
# bookkeeping. Column defaults (``created_at``, ``status``) still apply.
_CONVERSATIONS = insert(cast(Table, Conversation.__table__))
_HISTORY = insert(cast(Table, QueryRecord.__table__))


def new_conversation(session: Session, principal: Principal, connection_key: str | None) -> str:
    """A new conversation of the caller's on this database (demo: None); its id."""
    conversation_id = new_id()
    values = {"user_id": principal.user_id, "anon_id": principal.anon_id}
    session.connection().execute(
        _CONVERSATIONS, {"id": conversation_id, "connection_id": connection_key, **values}
    )
    return conversation_id


def record(session: Session, principal: Principal, **fields: Any) -> str:
    """One ``query_history`` row (answered or failed); its id."""
    record_id = new_id()
    values = {"user_id": principal.user_id, "anon_id": principal.anon_id, **fields}
    session.connection().execute(_HISTORY, {"id": record_id, **values})
    return record_id
