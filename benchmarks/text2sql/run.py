"""Drive one engine over a dataset through the product's path and score every answer.

Per question: the engine's draft (or its refusal), the guard, the read-only executor, then the
execution match against the gold query. Engine refusals are ``refused``; anything else that
stops a question — the guard refusing the engine's own SQL, a database error, an exception — is
``error`` with its kind, so a crash is counted, never hidden.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from backend.core.errors import AppError
from backend.engines.base import Engine, Request, Unanswerable
from backend.safety.errors import SqlRefused
from backend.safety.executor import QueryFailed, json_row, run_readonly
from backend.safety.guard import check_for_target
from backend.targets.target import QueryTarget

from benchmarks.text2sql.compare import is_ordered, shape, verdict
from benchmarks.text2sql.hardness import hardness
from benchmarks.text2sql.spider import Question, gold_rows, questions, read_only_target

ROW_CAP = 10_000
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Outcome:
    index: int
    db_id: str
    question: str
    hardness: str
    shape: str
    status: str  # refused | answered | error
    verdict: str | None  # right | right_extra_columns | wrong (answered only)
    sql: str | None
    reading: str  # the engine's explanation, or its refusal message, or the error
    error_kind: str | None = None
    gold: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _blank(question: Question) -> Outcome:
    return Outcome(
        index=question.index,
        db_id=question.db_id,
        question=question.question,
        hardness=hardness(question.parsed),
        shape=shape(question.gold),
        status="error",
        verdict=None,
        sql=None,
        reading="",
        gold=question.gold,
    )


def _answer(engine: Engine, question: Question, dataset: Path, target: QueryTarget) -> Outcome:
    blank = _blank(question)
    request = Request(
        question=question.question,
        schema=target.enabled_schema(),
        dialect=target.dialect,
        db_schema=target.db_schema,
        full_schema=target.schema_info,
    )
    try:
        draft = engine.draft(request)
    except Unanswerable as refusal:
        return replace(blank, status="refused", reading=refusal.detail)
    except AppError as failure:
        return replace(blank, reading=failure.detail, error_kind=failure.code)
    for attempt in range(engine.max_repairs + 1):  # repairs as the ask pipeline allows them
        try:
            sql = check_for_target(draft.sql, target)
            result = run_readonly(target, sql, row_cap=ROW_CAP, timeout_seconds=TIMEOUT_SECONDS)
            break
        except (SqlRefused, QueryFailed) as failure:
            kind = "guard_refused" if isinstance(failure, SqlRefused) else failure.code
            if attempt == engine.max_repairs:
                return replace(blank, sql=draft.sql, reading=failure.detail, error_kind=kind)
            try:
                draft = engine.repair(request, draft.sql, failure.detail)
            except AppError as given_up:
                return replace(blank, sql=draft.sql, reading=given_up.detail, error_kind=kind)
        except AppError as failure:
            return replace(blank, sql=draft.sql, reading=failure.detail, error_kind=failure.code)
    gold = [json_row(row) for row in gold_rows(dataset, question.db_id, question.gold)]
    found = verdict(gold, result.rows, ordered=is_ordered(question.gold))
    return replace(blank, status="answered", verdict=found, sql=sql, reading=draft.explanation)


def evaluate(
    engine: Engine,
    dataset: Path,
    *,
    limit: int | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Every question of ``dataset`` (the first ``limit``), one database target at a time."""
    chosen = questions(dataset)[:limit]
    by_db: dict[str, list[Question]] = defaultdict(list)
    for question in chosen:
        by_db[question.db_id].append(question)
    outcomes: list[Outcome] = []
    for db_id, asked in by_db.items():
        with read_only_target(dataset, db_id) as target:
            for question in asked:
                try:
                    outcome = _answer(engine, question, dataset, target)
                except Exception as crash:  # a crash is a finding, not a reason to stop
                    outcome = replace(
                        _blank(question), reading=repr(crash)[:300], error_kind="crash"
                    )
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
    return sorted(outcomes, key=lambda o: o.index)


@dataclass(frozen=True)
class Tally:
    total: int
    answered: int
    right: int
    extra: int
    wrong: int
    errors: int

    @property
    def answered_pct(self) -> float:
        return 100.0 * self.answered / self.total if self.total else 0.0

    @property
    def wrong_of_answered_pct(self) -> float:
        return 100.0 * self.wrong / self.answered if self.answered else 0.0


def tally(outcomes: Iterable[Outcome]) -> Tally:
    items = list(outcomes)
    verdicts = Counter(o.verdict for o in items)
    return Tally(
        total=len(items),
        answered=sum(o.status == "answered" for o in items),
        right=verdicts["right"],
        extra=verdicts["right_extra_columns"],
        wrong=verdicts["wrong"],
        errors=sum(o.status == "error" for o in items),
    )


def split(outcomes: Iterable[Outcome], key: Callable[[Outcome], str]) -> dict[str, Tally]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[key(outcome)].append(outcome)
    return {name: tally(group) for name, group in sorted(groups.items())}
