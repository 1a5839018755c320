"""A user's questions and answers: paged listing, feedback, and CSV export of a past answer.

Every lookup filters by owner, so someone else's item answers 404 like a missing one. CSV
export re-runs the stored SQL through the same guard and read-only executor as a question
(with the connection's current table choices), streaming up to ``CSV_ROW_CAP`` rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.core.config import Settings
from backend.core.errors import InvalidInput
from backend.data.models import QueryRecord
from backend.services.executor import ByteCaps, JsonScalar, stream_readonly
from backend.services.ownership import load_owned
from backend.services.targets import DEMO_TARGET, QueryTarget

# Spreadsheets run a text cell as a formula when its first non-blank character is one of these
# (full-width forms too) and leading blanks or line breaks do not stop them; such cells, the
# header's included, get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_BLANKS = " \t\r\n\u00a0\u3000"


@dataclass(frozen=True)
class TargetSource:
    """Resolves where a history item ran: the demo or one of the user's connections."""

    demo: Callable[[], QueryTarget]
    connection: Callable[[str], QueryTarget]


def owned(session: Session, user_id: str, item_id: str) -> QueryRecord:
    return load_owned(session, QueryRecord, item_id, user_id, "history item")


def _item(record: QueryRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "question": record.question,
        "sql": record.sql,
        "row_count": record.row_count,
        "truncated": record.truncated,
        "status": record.status,
        "created_at": record.created_at.isoformat(),
        "connection_id": record.connection_id or DEMO_TARGET,
        "conversation_id": record.conversation_id,
        "chart": record.chart,
        "feedback": record.feedback or 0,
    }


def page(session: Session, user_id: str, *, page: int, page_size: int) -> dict[str, Any]:
    mine = QueryRecord.user_id == user_id
    total = session.execute(select(func.count()).select_from(QueryRecord).where(mine)).scalar_one()
    records = session.execute(
        select(QueryRecord)
        .where(mine)
        .order_by(QueryRecord.created_at.desc(), QueryRecord.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).scalars()
    return {
        "items": [_item(r) for r in records],
        "page": page,
        "page_size": page_size,
        "total": total,
    }


def set_feedback(session: Session, user_id: str, item_id: str, value: int) -> None:
    """Thumbs up (1) or down (-1); 0 clears it. Liked pairs become examples for the engines."""
    owned(session, user_id, item_id).feedback = value or None
    session.flush()


def _cell(value: JsonScalar) -> JsonScalar:
    if isinstance(value, str) and (
        value[:1] in ("\t", "\r", "\n") or value.lstrip(_BLANKS).startswith(_FORMULA_STARTS)
    ):
        return "'" + value
    return value


def _csv_lines(rows: Iterator[list[JsonScalar]], header: list[JsonScalar]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_cell(name) for name in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(v) for v in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_csv(
    session: Session, settings: Settings, targets: TargetSource, user_id: str, item_id: str
) -> Iterator[str]:
    """Check and open the query now (errors answer as JSON), then stream the rows as CSV."""
    # Imported on first use: the guard loads sqlglot, which the app's start-up need not wait for.
    from backend.services.sql_guard import check_for_target

    record = owned(session, user_id, item_id)
    if not record.sql or record.status != "ok":
        raise InvalidInput("Only answered questions can be exported; this one has no result.")
    target = targets.connection(record.connection_id) if record.connection_id else targets.demo()
    sql = check_for_target(record.sql, target)
    rows = stream_readonly(
        target,
        sql,
        row_cap=settings.csv_row_cap,
        timeout_seconds=settings.query_timeout_seconds,
        caps=ByteCaps(cell=settings.query_max_cell_bytes, total=settings.csv_max_bytes),
    )
    header = next(rows)
    return _csv_lines(rows, header)
