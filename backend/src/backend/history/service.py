"""A user's questions and answers: paged listing, feedback, re-run and CSV export of a past
answer. Every lookup filters by owner (see ``repository``)."""

from __future__ import annotations

from collections.abc import Iterator

from contract.ask import Chart
from contract.history import HistoryItem, HistoryPage
from sqlalchemy.orm import Session, sessionmaker

from backend.ask.schemas import AskInput
from backend.core.config import Settings
from backend.core.errors import InvalidInput
from backend.core.principal import Principal
from backend.data.database import transaction
from backend.data.models import QueryRecord
from backend.history import repository
from backend.history.csv_export import csv_lines
from backend.safety.executor import ByteCaps, stream_readonly
from backend.targets.resolver import TargetResolver
from backend.targets.target import DEMO_TARGET


def _item(record: QueryRecord) -> HistoryItem:
    return HistoryItem(
        id=record.id,
        question=record.question,
        sql=record.sql,
        row_count=record.row_count,
        truncated=record.truncated,
        status="ok" if record.status == "ok" else "error",
        created_at=record.created_at.isoformat(),
        connection_id=record.connection_id or DEMO_TARGET,
        conversation_id=record.conversation_id,
        chart=Chart.model_validate(record.chart) if record.chart else None,
        feedback=1 if record.feedback == 1 else -1 if record.feedback == -1 else 0,
    )


def page(session: Session, user_id: str, *, page: int, page_size: int) -> HistoryPage:
    total, records = repository.page(session, user_id, page=page, page_size=page_size)
    return HistoryPage(
        items=[_item(r) for r in records], page=page, page_size=page_size, total=total
    )


def set_feedback(session: Session, user_id: str, item_id: str, value: int) -> None:
    """Thumbs up (1) or down (-1); 0 clears it. Liked pairs become examples for the engines."""
    repository.owned(session, user_id, item_id).feedback = value or None
    session.flush()


def rerun_input(sessions: sessionmaker[Session], user_id: str, item_id: str) -> AskInput:
    """What to ask again for a history item, read in its own short unit of work (the ask that
    follows may call a model: no app-database connection is held meanwhile)."""
    with transaction(sessions) as session:
        record = repository.owned(session, user_id, item_id)
        if not record.sql:
            raise InvalidInput("This history item has no SQL to run again.")
        return AskInput(
            question=None,
            sql=record.sql,
            connection_id=record.connection_id or DEMO_TARGET,
            conversation_id=record.conversation_id,
            asked_as=record.question,
        )


def export_csv(
    session: Session,
    settings: Settings,
    targets: TargetResolver,
    principal: Principal,
    item_id: str,
) -> Iterator[str]:
    """Check and open the query now (errors answer as JSON), then stream the rows as CSV."""
    # Imported on first use: the guard loads sqlglot, which the app's start-up need not wait for.
    from backend.safety.guard import check_for_target

    record = repository.owned(session, str(principal.user_id), item_id)
    if not record.sql or record.status != "ok":
        raise InvalidInput("Only answered questions can be exported; this one has no result.")
    target = targets.resolve(session, principal, record.connection_id or DEMO_TARGET)
    sql = check_for_target(record.sql, target)
    rows = stream_readonly(
        target,
        sql,
        row_cap=settings.csv_row_cap,
        timeout_seconds=settings.query_timeout_seconds,
        caps=ByteCaps(cell=settings.query_max_cell_bytes, total=settings.csv_max_bytes),
    )
    header = next(rows)
    return csv_lines(header, rows)
