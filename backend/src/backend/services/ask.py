"""The ask pipeline: a question (or edited SQL) becomes a checked, read-only answer.

validate → resolve the target → check the allowance → engine → guard → run (repairing a
failing query a bounded number of times) → chart → insights → record. The app database is
touched in short units of work only (never while a model or a query runs), so no lock is held
across an LLM call. The allowance is checked up front and taken atomically when the answer is
recorded: a failed question costs nothing, and concurrent requests can never be answered
beyond the limit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.core.config import Settings
from backend.core.errors import AppError, Forbidden, InvalidInput, NotFound, QuotaExceeded
from backend.data.database import transaction
from backend.data.models import Conversation, QueryRecord
from backend.services import quota
from backend.services.charts import suggest_chart, validate_chart
from backend.services.engines.base import Draft, Engine, Request, Turn, Usage
from backend.services.executor import QueryFailed, ResultSet, run_readonly
from backend.services.guard_errors import SqlRefused
from backend.services.insights import summarize
from backend.services.targets import DEMO_TARGET, QueryTarget

log = logging.getLogger(__name__)

HISTORY_TURNS = 10
LIKED_EXAMPLES = 3
EDITED_SQL_EXPLANATION = "Your SQL, checked and run read-only."


class SignupRequired(Forbidden):
    code = "signup_required"


class ConnectionSource(Protocol):
    def target(self, session: Session, user_id: str, connection_id: str) -> QueryTarget: ...


@dataclass(frozen=True)
class Asker:
    """Who asks: a signed-in user or an anonymous visitor (by browser id and address)."""

    user_id: str | None
    anon_id: str | None
    client_ip: str


@dataclass(frozen=True)
class AskInput:
    question: str | None
    sql: str | None
    connection_id: str = DEMO_TARGET
    conversation_id: str | None = None


@dataclass(frozen=True)
class AskServices:
    settings: Settings
    sessions: sessionmaker[Session]
    demo: Callable[[], QueryTarget]
    connections: ConnectionSource | None
    engine: Engine


@dataclass
class _Timer:
    """Time per step, and the SQL last tried (kept with a failure for the history)."""

    timings: dict[str, float] = field(default_factory=dict)
    last_sql: str | None = None

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.timings[name] = round(self.timings.get(name, 0.0) + elapsed, 2)


@dataclass(frozen=True)
class _Allowance:
    subjects: list[str]
    limit: int
    period: str
    message: str
    extra: dict[str, Any]


def validate_input(settings: Settings, payload: AskInput) -> AskInput:
    """Exactly one of question/SQL, non-blank, within the configured lengths."""
    question = payload.question.strip() if payload.question is not None else None
    sql = payload.sql.strip() if payload.sql is not None else None
    if (question is None) == (sql is None):
        raise InvalidInput("Send either a question or SQL to run, not both and not neither.")
    if question is not None:
        if not question:
            raise InvalidInput("The question is empty.")
        if len(question) > settings.max_question_chars:
            raise InvalidInput(
                f"The question is longer than {settings.max_question_chars:,} characters; "
                "please shorten it."
            )
    if sql is not None:
        if not sql:
            raise InvalidInput("The SQL is empty.")
        if len(sql) > settings.max_sql_chars:
            raise InvalidInput(
                f"The SQL is longer than {settings.max_sql_chars:,} characters; please shorten it."
            )
    return AskInput(question, sql, payload.connection_id, payload.conversation_id)


def _allowance(settings: Settings, asker: Asker) -> _Allowance:
    if asker.user_id is not None:
        return _Allowance(
            [f"user:{asker.user_id}"],
            settings.free_monthly_quota,
            quota.monthly_period(),
            f"You have used this month's {settings.free_monthly_quota} free questions; "
            "the allowance renews on the 1st of next month.",
            {},
        )
    subjects = [f"ip:{asker.client_ip}"]
    if asker.anon_id:
        subjects.insert(0, f"anon:{asker.anon_id}")
    return _Allowance(
        subjects,
        settings.anonymous_free_questions,
        quota.LIFETIME,
        "You have used your free question on the demo. Sign up for a free account to keep "
        f"asking ({settings.free_monthly_quota} questions a month, and your own databases).",
        {"signup": True},
    )


def _check_allowance(session: Session, allowance: _Allowance) -> None:
    for subject in allowance.subjects:
        left = quota.remaining(session, subject, limit=allowance.limit, period=allowance.period)
        if left <= 0:
            raise QuotaExceeded(
                allowance.message,
                extra={"remaining": 0, "limit": allowance.limit, **allowance.extra},
            )


def _take_allowance(session: Session, allowance: _Allowance) -> int:
    try:
        return quota.consume(
            session,
            allowance.subjects,
            limit=allowance.limit,
            period=allowance.period,
            message=allowance.message,
        )
    except QuotaExceeded as error:
        raise QuotaExceeded(error.detail, extra={**error.extra, **allowance.extra}) from None


def _resolve_target(
    services: AskServices, session: Session, asker: Asker, connection_id: str
) -> QueryTarget:
    if connection_id == DEMO_TARGET:
        return services.demo()
    if asker.user_id is None:
        raise SignupRequired("Sign up to ask questions of your own databases.")
    if services.connections is None:
        raise NotFound("No such connection.")
    return services.connections.target(session, asker.user_id, connection_id)


def _owns(conversation: Conversation, asker: Asker) -> bool:
    if asker.user_id is not None:
        return conversation.user_id == asker.user_id
    return (
        conversation.user_id is None
        and bool(asker.anon_id)
        and conversation.anon_id == asker.anon_id
    )


def _history(
    session: Session, asker: Asker, conversation_id: str | None, connection_key: str | None
) -> list[Turn]:
    """The earlier turns of the asker's own conversation on the same database, oldest first."""
    if conversation_id is None:
        return []
    conversation = session.get(Conversation, conversation_id)
    if (
        conversation is None
        or not _owns(conversation, asker)
        or conversation.connection_id != connection_key
    ):
        raise NotFound("No such conversation (it may belong to another database or account).")
    records = session.scalars(
        select(QueryRecord)
        .where(QueryRecord.conversation_id == conversation_id, QueryRecord.status == "ok")
        .order_by(QueryRecord.created_at.desc())
        .limit(HISTORY_TURNS)
    ).all()
    return [Turn(r.question, r.sql) for r in reversed(records)]


def _liked_examples(session: Session, asker: Asker, connection_key: str | None) -> list[Turn]:
    """Question→SQL pairs this user marked helpful on the same database (few-shot examples)."""
    if asker.user_id is None:
        return []
    records = session.scalars(
        select(QueryRecord)
        .where(
            QueryRecord.user_id == asker.user_id,
            QueryRecord.connection_id.is_(None)
            if connection_key is None
            else QueryRecord.connection_id == connection_key,
            QueryRecord.feedback == 1,
            QueryRecord.question.is_not(None),
        )
        .order_by(QueryRecord.created_at.desc())
        .limit(LIKED_EXAMPLES)
    ).all()
    return [Turn(r.question, r.sql) for r in records]


def _connection_key(target: QueryTarget) -> str | None:
    """How history stores the database: demo questions have no connection row."""
    return None if target.is_demo else target.key


def _run_checked(
    services: AskServices,
    target: QueryTarget,
    request: Request | None,
    draft: Draft,
    timer: _Timer,
) -> tuple[Draft, str, ResultSet, Usage]:
    """Guard and run; on a refusal or database error ask the engine to repair, a few times."""
    # Imported on first use: the guard loads sqlglot, which the app's start-up need not wait for.
    from backend.services.sql_guard import check_for_target

    settings = services.settings
    usage = draft.usage
    repairs = services.engine.max_repairs if request is not None else 0
    seen: set[str] = set()  # normalised SQL and errors already met: a repeat ends the repairs
    while True:
        timer.last_sql = draft.sql
        try:
            with timer.step("sql_ms"):
                sql = check_for_target(draft.sql, target)
            with timer.step("run_ms"):
                result = run_readonly(
                    target,
                    sql,
                    row_cap=settings.query_row_cap,
                    timeout_seconds=settings.query_timeout_seconds,
                )
            return draft, sql, result, usage
        except (SqlRefused, QueryFailed) as error:
            met = {" ".join(draft.sql.strip().rstrip(";").split()), error.detail}
            again, seen = met & seen, seen | met
            if repairs <= 0 or request is None or again:
                raise
            repairs -= 1
            with timer.step("sql_ms"):
                draft = services.engine.repair(request, draft.sql, error.detail)
            usage = usage + draft.usage


def _chart(draft: Draft, result: ResultSet) -> dict[str, Any]:
    """The engine's chart if it fits the result (or it chose none), else one from its shape."""
    spec = validate_chart(draft.chart, result.columns)
    if spec.type == "none" and draft.chart is not None and draft.chart.get("type") == "none":
        return spec.model_dump()
    if spec.type == "none":
        spec = suggest_chart(result.columns, result.rows, title=spec.title)
    return spec.model_dump()


def ask(services: AskServices, asker: Asker, payload: AskInput) -> dict[str, Any]:
    """Answer one question (or run edited SQL) and record it; see the module docstring."""
    started = time.perf_counter()
    settings = services.settings
    payload = validate_input(settings, payload)
    allowance = _allowance(settings, asker)
    with transaction(services.sessions) as session:
        target = _resolve_target(services, session, asker, payload.connection_id)
        key = _connection_key(target)
        history = _history(session, asker, payload.conversation_id, key)
        _check_allowance(session, allowance)
        examples = _liked_examples(session, asker, key) if payload.question else []
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
        draft, sql, result, usage = _run_checked(services, target, request, draft, timer)
        with timer.step("chart_ms"):
            chart = _chart(draft, result)
            summary = summarize(
                result.columns, result.rows, row_count=result.row_count, truncated=result.truncated
            )
        with timer.step("insights_ms"):
            commentary = services.engine.comment(payload.question or "", sql, summary)
        usage = usage + commentary.usage
    except AppError as error:
        _record_failure(services, asker, payload, key, error, timer)
        log.info("question failed: %s (engine %s)", error.code, services.engine.name)
        raise
    timer.timings["total_ms"] = round((time.perf_counter() - started) * 1000, 2)
    tokens = {
        "prompt": usage.prompt_tokens,
        "completion": usage.completion_tokens,
        "llm_calls": usage.llm_calls,
    }
    with transaction(services.sessions) as session:
        remaining = _take_allowance(session, allowance)
        conversation_id = payload.conversation_id or _new_conversation(session, asker, key)
        record = QueryRecord(
            user_id=asker.user_id,
            anon_id=asker.anon_id,
            conversation_id=conversation_id,
            connection_id=key,
            question=payload.question,
            sql=sql,
            status="ok",
            row_count=result.row_count,
            truncated=result.truncated,
            chart=chart,
            # History keeps the shape of the answer, never the user's rows (re-run on demand).
            summary={k: v for k, v in summary.items() if k != "rows"},
            timings=timer.timings,
            tokens=tokens,
            engine=services.engine.name,
        )
        session.add(record)
        session.flush()
        record_id = record.id
    log.info(
        "question answered: engine %s, %d rows, %d LLM calls, %.1f ms",
        services.engine.name,
        result.row_count,
        usage.llm_calls,
        timer.timings["total_ms"],
    )
    return {
        "id": record_id,
        "conversation_id": conversation_id,
        "question": payload.question,
        "sql": sql,
        "columns": result.columns,
        "rows": result.rows,
        "row_count": result.row_count,
        "truncated": result.truncated,
        "row_cap": settings.query_row_cap,
        "chart": chart,
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


def _new_conversation(session: Session, asker: Asker, connection_key: str | None) -> str:
    conversation = Conversation(
        user_id=asker.user_id, anon_id=asker.anon_id, connection_id=connection_key
    )
    session.add(conversation)
    session.flush()
    return conversation.id


def _record_failure(
    services: AskServices,
    asker: Asker,
    payload: AskInput,
    connection_key: str | None,
    error: AppError,
    timer: _Timer,
) -> None:
    """Failures are kept too (status "error"), in their own unit of work."""
    with transaction(services.sessions) as session:
        session.add(
            QueryRecord(
                user_id=asker.user_id,
                anon_id=asker.anon_id,
                conversation_id=payload.conversation_id,
                connection_id=connection_key,
                question=payload.question,
                sql=timer.last_sql or payload.sql,
                status="error",
                error=f"{error.code}: {error.detail}"[:2000],
                timings=timer.timings,
                engine=services.engine.name,
            )
        )
