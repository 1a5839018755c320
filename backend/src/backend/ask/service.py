"""The ask pipeline: a question (or edited SQL) becomes a checked, read-only answer.

validate → resolve the target → check the allowance → engine → guard → run (repairing a
failing query a bounded number of times) → chart → insights → record. The app database is
touched in short units of work only (never while a model or a query runs), so no lock is held
across an LLM call. The allowance is checked up front and taken atomically when the answer is
recorded: a failed question costs nothing (except one that ran out of time, which cost the
database its whole time limit), and concurrent requests can never be answered beyond the limit.

Each step reports itself to ``progress`` as it ends (``ask.progress``; the streaming endpoint
sends these events on), and ``progress.cancellation`` can stop the question at any step: the
model call and the running statement are cancelled, the question is recorded as cancelled and
costs nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from contract.ask import Answer, Chart
from contract.ask_events import (
    FIRST_PAGE_ROWS,
    Accepted,
    ChartReady,
    Checked,
    Done,
    Repairing,
    RowsReady,
    SqlDrafted,
)
from sqlalchemy.orm import Session, sessionmaker

from backend.ask import presentation, repository
from backend.ask.charts import suggest_chart, validate_chart
from backend.ask.progress import InsightPreview, Progress
from backend.ask.schemas import AskInput, validate_input
from backend.core.cancellation import Cancelled, cancellable
from backend.core.config import Settings
from backend.core.errors import AppError, NotFound, QuotaExceeded
from backend.core.principal import Principal
from backend.data.database import statements, transaction
from backend.engines.base import Draft, Engine, Request, Turn, Usage
from backend.engines.commentary import summarize
from backend.safety.errors import SqlRefused
from backend.safety.executor import ByteCaps, QueryFailed, QueryTimeout, ResultSet, run_readonly
from backend.targets.target import DEMO_TARGET, QueryTarget
from backend.usage.allowance import Allowance, allowance_for

if TYPE_CHECKING:
    from backend.wiring import AppServices

log = logging.getLogger(__name__)

LIKED_EXAMPLES = 3
EDITED_SQL_EXPLANATION = "Your SQL, checked and run read-only."


class TargetSource(Protocol):
    def resolve(
        self, session: Session, principal: Principal, connection_id: str
    ) -> QueryTarget: ...


@dataclass(frozen=True)
class AskServices:
    settings: Settings
    sessions: sessionmaker[Session]
    autocommit: sessionmaker[Session]  # for reads that need no transaction
    targets: TargetSource
    engine: Engine


def services_for(app: AppServices) -> AskServices:
    """The pipeline's view of the app's shared parts (the engine is built on first use)."""
    return AskServices(
        app.settings, app.sessions, app.autocommit, app.targets, app.question_engine.get()
    )


@dataclass
class _Timer:
    """Time per step, and the SQL last tried (kept with a failure for the history)."""

    timings: dict[str, float] = field(default_factory=dict)
    last_sql: str | None = None
    last_ms: float = 0.0  # the step that ended last, alone (a step's total may add up repairs)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.last_ms = round(elapsed, 2)
            self.timings[name] = round(self.timings.get(name, 0.0) + elapsed, 2)


def _history(
    session: Session,
    principal: Principal,
    conversation_id: str | None,
    connection_key: str | None,
    turns: int,
) -> list[Turn]:
    """The earlier turns of the caller's own conversation on the same database, oldest first."""
    if conversation_id is None:
        return []
    if repository.owned_conversation(session, principal, conversation_id, connection_key) is None:
        raise NotFound("No such conversation (it may belong to another database or account).")
    return [
        Turn(r.question, r.sql) for r in repository.recent_turns(session, conversation_id, turns)
    ]


def _liked_examples(
    session: Session, principal: Principal, connection_key: str | None
) -> list[Turn]:
    """Question→SQL pairs this user marked helpful on the same database (few-shot examples)."""
    if principal.user_id is None:
        return []
    records = repository.liked(session, principal.user_id, connection_key, LIKED_EXAMPLES)
    return [Turn(r.question, r.sql) for r in records]


def _connection_key(target: QueryTarget) -> str | None:
    """How history stores the database: demo questions have no connection row."""
    return None if target.is_demo else target.key


def run_answer_sql(settings: Settings, target: QueryTarget, sql: str) -> ResultSet:
    """Checked SQL run for an answer: the question's row cap, time limit and size caps."""
    return run_readonly(
        target,
        sql,
        row_cap=settings.query_row_cap,
        timeout_seconds=settings.query_timeout_seconds,
        caps=ByteCaps(settings.query_max_cell_bytes, settings.query_max_result_bytes),
    )


def _run_checked(
    services: AskServices,
    target: QueryTarget,
    request: Request | None,
    draft: Draft,
    timer: _Timer,
    progress: Progress,
) -> tuple[Draft, str, ResultSet, Usage]:
    """Guard and run; on a refusal or database error ask the engine to repair, a few times."""
    # Imported on first use: the guard loads sqlglot, which the app's start-up need not wait for.
    from backend.safety.guard import check_for_target

    usage = draft.usage
    repairs = services.engine.max_repairs if request is not None else 0
    seen: set[str] = set()  # normalised SQL and errors already met: a repeat ends the repairs
    while True:
        timer.last_sql = draft.sql
        try:
            with timer.step("sql_ms"):
                sql = check_for_target(draft.sql, target)
            progress.emit(Checked(sql=sql, elapsed_ms=progress.elapsed_ms()))
            with timer.step("run_ms"):
                result = run_answer_sql(services.settings, target, sql)
            return draft, sql, result, usage
        except (SqlRefused, QueryFailed) as error:
            met = {" ".join(draft.sql.strip().rstrip(";").split()), error.detail}
            again, seen = met & seen, seen | met
            if repairs <= 0 or request is None or again:
                raise
            repairs -= 1
            progress.emit(
                Repairing(
                    failed_sql=draft.sql, error=error.detail, elapsed_ms=progress.elapsed_ms()
                )
            )
            with timer.step("sql_ms"):
                draft = services.engine.repair(request, draft.sql, error.detail)
            usage = usage + draft.usage
            _drafted(progress, draft, timer)


def _chart(draft: Draft, result: ResultSet) -> Chart:
    """The engine's chart if it fits the result (or it chose none), else one from its shape."""
    spec = validate_chart(draft.chart, result.columns)
    if spec.type == "none" and draft.chart is not None and draft.chart.get("type") == "none":
        return spec
    if spec.type == "none":
        spec = suggest_chart(result.columns, result.rows, title=spec.title)
    return spec


def _drafted(progress: Progress, draft: Draft, timer: _Timer) -> None:
    progress.emit(
        SqlDrafted(
            sql=draft.sql,
            explanation=draft.explanation,
            took_ms=timer.last_ms,
            elapsed_ms=progress.elapsed_ms(),
        )
    )


def ask(
    services: AskServices,
    principal: Principal,
    payload: AskInput,
    progress: Progress | None = None,
) -> Answer:
    """Answer one question (or run edited SQL) and record it; see the module docstring."""
    progress = progress or Progress()
    with cancellable(progress.cancellation):
        return _ask(services, principal, payload, progress)


def _ask(
    services: AskServices, principal: Principal, payload: AskInput, progress: Progress
) -> Answer:
    started = progress.started
    settings = services.settings
    payload = validate_input(settings, payload)
    allowance = allowance_for(settings, principal)
    with _reads(services, payload) as session:
        target = services.targets.resolve(session, principal, payload.connection_id)
        key = _connection_key(target)
        history = _history(
            session, principal, payload.conversation_id, key, settings.conversation_turns
        )
        allowance.check(session)
        examples = _liked_examples(session, principal, key) if payload.question else []
    progress.emit(Accepted(id=progress.question_id, elapsed_ms=progress.elapsed_ms()))
    timer = _Timer()
    request = None
    try:
        if payload.question is not None:
            request = Request(
                question=payload.question,
                schema=target.enabled_schema(),
                dialect=target.dialect,
                db_schema=target.db_schema,
                history=history,
                examples=examples,
                full_schema=target.schema_info,
            )
            with timer.step("sql_ms"):
                draft = services.engine.draft(request)
        else:
            draft = Draft(payload.sql or "", None, EDITED_SQL_EXPLANATION)
        _drafted(progress, draft, timer)
        draft, sql, result, usage = _run_checked(services, target, request, draft, timer, progress)
        ran_ms = timer.last_ms
        with timer.step("chart_ms"):
            shown = presentation.formats(
                result.columns,
                result.rows,
                sql,
                presentation.declared_units(target.schema_info),
            )
        progress.emit(
            RowsReady(
                columns=result.columns,
                rows=result.rows[:FIRST_PAGE_ROWS],
                row_count=result.row_count,
                truncated=result.truncated,
                formats=shown,
                took_ms=ran_ms,
                elapsed_ms=progress.elapsed_ms(),
            )
        )
        with timer.step("chart_ms"):
            chart = presentation.bar_order(
                _chart(draft, result), result.columns, result.rows, shown
            )
            summary = summarize(
                result.columns,
                result.rows,
                row_count=result.row_count,
                truncated=result.truncated,
                formats=shown,
            )
        chart_ms = timer.timings["chart_ms"]
        progress.emit(ChartReady(chart=chart, took_ms=chart_ms, elapsed_ms=progress.elapsed_ms()))
        with timer.step("insights_ms"):
            preview = InsightPreview(progress.emit)
            commentary = services.engine.comment(
                payload.shown_question or "", sql, summary, preview
            )
            preview(commentary.insights, commentary.recommendations)
        usage = usage + commentary.usage
        progress.cancellation.raise_if_cancelled()  # the last moment a stop is heard
    except AppError as error:
        _record_failure(services, principal, payload, key, error, timer)
        if isinstance(error, QueryTimeout):
            _charge_heavy_failure(services, allowance)
        log.info("question failed: %s (engine %s)", error.code, services.engine.name)
        raise
    timer.timings["total_ms"] = round((time.perf_counter() - started) * 1000, 2)
    tokens = {
        "prompt": usage.prompt_tokens,
        "completion": usage.completion_tokens,
        "llm_calls": usage.llm_calls,
    }
    with transaction(services.sessions) as session:
        remaining = allowance.take(session)
        conversation_id = payload.conversation_id or repository.new_conversation(
            session, principal, key
        )
        record_id = repository.record(
            session,
            principal,
            conversation_id=conversation_id,
            connection_id=key,
            question=payload.shown_question,
            sql=sql,
            status="ok",
            row_count=result.row_count,
            truncated=result.truncated,
            chart=chart.model_dump(),
            # History keeps the shape of the answer, never the user's rows (re-run on demand).
            summary={k: v for k, v in summary.items() if k != "rows"},
            # What the answer showed besides its rows, so History can open it again.
            presentation=presentation.Kept(
                formats=shown,
                explanation=draft.explanation,
                insights=commentary.insights,
                recommendations=commentary.recommendations,
            ).model_dump(),
            timings=timer.timings,
            tokens=tokens,
            engine=services.engine.name,
        )
    log.info(
        "question answered: engine %s, %d rows, %d LLM calls, %.1f ms",
        services.engine.name,
        result.row_count,
        usage.llm_calls,
        timer.timings["total_ms"],
    )
    answer = Answer.model_validate(
        {
            "id": record_id,
            "conversation_id": conversation_id,
            "question": payload.shown_question,
            "sql": sql,
            "columns": result.columns,
            "rows": result.rows,
            "row_count": result.row_count,
            "truncated": result.truncated,
            "row_cap": settings.query_row_cap,
            "formats": [column.model_dump() for column in shown],
            "chart": chart.model_dump(),
            "explanation": draft.explanation,
            "insights": commentary.insights,
            "recommendations": commentary.recommendations,
            "timings": {
                name: timer.timings.get(name, 0.0)
                for name in ("sql_ms", "run_ms", "chart_ms", "insights_ms", "total_ms")
            },
            "tokens": tokens,
            "engine": services.engine.name,
            "quota": {"remaining": remaining, "limit": allowance.limit, "period": allowance.period},
        }
    )
    progress.emit(Done(answer=answer))
    return answer


def _reads(services: AskServices, payload: AskInput) -> AbstractContextManager[Session]:
    """The first unit of work. On the demo it only reads (target, history, allowance), each
    read committing on its own: no BEGIN or COMMIT round trip. A connection's first scan may
    be stored while its target is resolved, so that one gets a transaction."""
    if payload.connection_id == DEMO_TARGET:
        return statements(services.autocommit)
    return transaction(services.sessions)


def _charge_heavy_failure(services: AskServices, allowance: Allowance) -> None:
    """A question that ran out of time cost the database its full time limit: it counts too,
    so timeouts cannot be repeated for free (the only failure that costs the allowance)."""
    with suppress(QuotaExceeded), transaction(services.sessions) as session:
        allowance.take(session)


def _record_failure(
    services: AskServices,
    principal: Principal,
    payload: AskInput,
    connection_key: str | None,
    error: AppError,
    timer: _Timer,
) -> None:
    """Failures are kept too (status "error", or "cancelled"), in their own unit of work."""
    with transaction(services.sessions) as session:
        repository.record(
            session,
            principal,
            conversation_id=payload.conversation_id,
            connection_id=connection_key,
            question=payload.shown_question,
            sql=timer.last_sql or payload.sql,
            status="cancelled" if isinstance(error, Cancelled) else "error",
            error=f"{error.code}: {error.detail}"[:2000],
            timings=timer.timings,
            engine=services.engine.name,
        )
