"""A past answer opened again: what it showed, kept with its history row, around rows fetched
now by running its stored SQL through the same guard and read-only executor as a question.

The app database keeps no result rows. It keeps the answer's presentation (column formats,
explanation, insights, recommendations) and its chart; rows come from the user's database when
the answer is opened, so the table is today's data and the insights are as they were written.
Rows recorded before presentations were kept open with formats and chart worked out again from
the fetched rows, and no insights (a note says so; a re-run writes them anew). Opening costs no
allowance and records nothing, like the CSV export.
"""

from __future__ import annotations

from typing import cast, get_args

from contract.ask import Answer, Chart, ColumnFormat, Engine, Quota, Timings, Tokens
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from backend.ask import presentation
from backend.ask.charts import suggest_chart, validate_chart
from backend.ask.service import run_answer_sql
from backend.core.config import Settings
from backend.core.errors import InvalidInput
from backend.core.principal import Principal
from backend.data.database import transaction
from backend.data.models import QueryRecord
from backend.history import repository
from backend.safety.executor import ResultSet
from backend.targets.resolver import TargetResolver
from backend.targets.target import DEMO_TARGET

NOT_KEPT_NOTE = "Saved before answers kept their insights: Re-run it to have them written again."


def _kept(record: QueryRecord) -> presentation.Kept | None:
    """The stored presentation; None for a row from before it was kept (or unreadable)."""
    if not record.presentation:
        return None
    try:
        return presentation.Kept.model_validate(record.presentation)
    except ValidationError:
        return None


def _chart(record: QueryRecord, result: ResultSet, formats: list[ColumnFormat]) -> Chart:
    """The recorded chart while it fits the rows fetched now; otherwise one from their shape."""
    chart = validate_chart(record.chart, result.columns)
    if chart.type == "none" and not (record.chart and record.chart.get("type") == "none"):
        chart = suggest_chart(result.columns, result.rows)
    return presentation.bar_order(chart, result.columns, result.rows, formats)


def open_answer(
    sessions: sessionmaker[Session],
    settings: Settings,
    targets: TargetResolver,
    principal: Principal,
    item_id: str,
) -> Answer:
    """The history item ``item_id`` of the caller as a whole ``Answer`` (404 if not theirs)."""
    # Imported on first use: the guard loads sqlglot, which the app's start-up need not wait for.
    from backend.safety.guard import check_for_target

    # A short unit of work: no app-database connection is held while the query runs.
    with transaction(sessions) as session:
        record = repository.owned(session, str(principal.user_id), item_id)
        if not record.sql or record.status != "ok":
            raise InvalidInput("Only answered questions can be opened; this one has no result.")
        target = targets.resolve(session, principal, record.connection_id or DEMO_TARGET)
    sql = check_for_target(record.sql, target)
    result = run_answer_sql(settings, target, sql)
    kept = _kept(record)
    if kept is not None and [f.name for f in kept.formats] == result.columns:
        formats = kept.formats
    else:
        units = presentation.declared_units(target.schema_info)
        formats = presentation.formats(result.columns, result.rows, sql, units)
    engine = record.engine if record.engine in get_args(Engine) else "offline"
    return Answer(
        id=record.id,
        conversation_id=record.conversation_id or "",
        question=record.question,
        sql=sql,
        columns=result.columns,
        rows=result.rows,
        row_count=result.row_count,
        truncated=result.truncated,
        row_cap=settings.query_row_cap,
        formats=formats,
        chart=_chart(record, result, formats),
        explanation=kept.explanation if kept else NOT_KEPT_NOTE,
        insights=kept.insights if kept else [],
        recommendations=kept.recommendations if kept else [],
        timings=Timings.model_validate(record.timings or {}),
        tokens=Tokens.model_validate(record.tokens or {}),
        engine=cast(Engine, engine),
        quota=Quota(),
    )
