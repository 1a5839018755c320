"""The built-in engine: deterministic question → SQL over any introspected schema, no key."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from backend.core.bounded import BoundedCache
from backend.engines.base import Commentary, CommentProgress, Draft, Request, Unanswerable
from backend.engines.commentary import data_commentary, pretty
from backend.engines.offline.checks import check_plan
from backend.engines.offline.finish import finish
from backend.engines.offline.linking import link
from backend.engines.offline.plan import Filter, Group, Parts, Plan, is_partial, merge
from backend.engines.offline.reader import read_parts
from backend.engines.offline.sql import JoinError, build_sql, measure_name, tables_used
from backend.engines.offline.vocabulary import Vocabulary, demo_vocabulary
from backend.safety.errors import TableDisabled
from backend.targets.schema_info import SchemaInfo

_FOLLOW_UP_CUES = (
    "only",
    "now",
    "and",
    "what about",
    "how about",
    "just",
    "but",
    "instead",
    "same",
)


def _parts(question: str, schema: SchemaInfo, vocabulary: Vocabulary) -> Parts:
    return read_parts(link(question, schema, vocabulary), schema)


def _with_history(request: Request, vocabulary: Vocabulary) -> Parts:
    """Fold the conversation's questions into one plan, then apply this one on top."""
    current = _parts(request.question, request.schema, vocabulary)
    lowered = request.question.strip().lower()
    cue = lowered.startswith(_FOLLOW_UP_CUES)
    if not request.history or not (cue or is_partial(current)):
        return current
    folded: Parts | None = None
    for turn in request.history:
        if not turn.question:
            continue
        try:
            earlier = _parts(turn.question, request.schema, vocabulary)
        except Unanswerable:
            continue
        folded = merge(folded, earlier) if folded and is_partial(earlier) else earlier
    return merge(folded, current) if folded else current


# The engine is a pure function of the question, the conversation's earlier questions and the
# schema, so a question asked again (the demo's examples above all) is not read and built again.
# Refusals are not kept. Schemas are compared by value: a connection's is rebuilt per request.
DRAFT_CACHE_SIZE = 512
_DraftKey = tuple[str, SchemaInfo, str, str | None, tuple[str | None, ...]]


def _draft_key(request: Request) -> _DraftKey:
    earlier = tuple(turn.question for turn in request.history)
    return (request.question, request.schema, request.dialect, request.db_schema, earlier)


_OPS = {"in": "=", "not_in": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}


def _condition_words(item: Filter) -> str:
    name = item.column.column.name if item.column else "date"
    values = " or ".join(str(v).removesuffix(".0") for v in item.values)
    if item.op == "true":
        return name
    if item.op == "between":
        low, high = (str(v).removesuffix(".0") for v in item.values)
        return f"{name} between {low} and {high}"
    if item.op == "year":
        return f"{name} in the years asked"
    if item.op.endswith("_avg") and item.column is not None:
        return f"{name} {_OPS[item.op[:-4]]} the average {name} of {item.column.table}"
    return f"{name} {_OPS[item.op]} {values}"


def _group_words(group: Group, table: str) -> str:
    if group.unit or group.column is None:
        return group.unit or ""
    name = group.column.column.name
    return name if group.column.table == table else f"{name} of {group.column.table}"


def _describe(plan: Plan) -> str:
    """The reading in plain words, so a misreading shows at a glance."""
    if plan.columns:
        shown = ", ".join(ref.column.name for ref in plan.columns)
        text = f"{'distinct ' if plan.distinct else ''}{shown} of each {plan.table} row"
    else:
        names = [measure_name(m, plan.table) for m in plan.measures] or ["rows"]
        text = ", ".join(pretty(n) for n in names) + f" of {plan.table}"
    groups = [_group_words(g, plan.table) for g in plan.groups]
    if groups:
        text += ", one row per " + " and ".join(groups)
    if plan.filters:
        text += ", where " + " and ".join(_condition_words(f) for f in plan.filters)
    if plan.order_column is not None:
        direction = "highest" if plan.descending else "lowest"
        if plan.limit == 1:
            text += f", the one with the {direction} {plan.order_column.column.name}"
        else:
            order = "descending" if plan.descending else "ascending"
            text += f", ordered by {plan.order_column.column.name} {order}"
    if plan.limit and not (plan.order_column is not None and plan.limit == 1):
        text += f", {'top' if plan.descending else 'bottom'} {plan.limit}"
    return text[0].upper() + text[1:] + "."


def _chart(plan: Plan) -> dict[str, Any] | None:
    if not plan.measures or not plan.groups:
        return None
    x_group = plan.groups[0]
    x = x_group.unit or (x_group.column.column.name if x_group.column else None)
    y = measure_name(plan.measures[0], plan.table)
    color = None
    if len(plan.groups) > 1:
        second = plan.groups[1]
        color = second.unit or (second.column.column.name if second.column else None)
    kind = "line" if x_group.unit else "bar"
    if plan.measures[0].func == "share" and color is None:
        kind = "pie"
    title = f"{pretty(y)} by {pretty(x or '')}"
    return {"type": kind, "x": x, "y": y, "color": color, "title": title}


class OfflineEngine:
    """Understands the common analytics shapes; says which words it could not map."""

    name = "offline"
    max_repairs = 0

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        # The demo database's own words by default; they apply to its tables only.
        self.vocabulary = demo_vocabulary() if vocabulary is None else vocabulary
        self._drafts: BoundedCache[_DraftKey, Draft] = BoundedCache(DRAFT_CACHE_SIZE)

    def draft(self, request: Request) -> Draft:
        key = _draft_key(request)
        draft = self._drafts.get(key)
        if draft is None:
            draft = self._draft(request)
            self._drafts.put(key, draft)
        # Each answer gets its own chart dict, so no caller can change another's.
        return replace(draft, chart=dict(draft.chart) if draft.chart else None)

    def _draft(self, request: Request) -> Draft:
        try:
            plan = self._plan(request)
        except Unanswerable as refusal:
            self._offer_disabled_tables(request)
            raise refusal from None
        sql = build_sql(plan, request.schema, request.dialect, request.db_schema)
        return Draft(sql=sql, chart=_chart(plan), explanation=_describe(plan))

    def _plan(self, request: Request) -> Plan:
        if not request.schema.tables:
            raise Unanswerable("No tables are enabled for this database; enable some first.")
        plan = finish(_with_history(request, self.vocabulary), request.schema)
        try:
            items = link(request.question, request.schema, self.vocabulary)
            check_plan(items, plan, request.schema)
        except JoinError as error:
            raise Unanswerable(
                f"'{error.table}' is not linked to '{plan.table}' by a foreign key, "
                "so I cannot combine them."
            ) from None
        return plan

    def _offer_disabled_tables(self, request: Request) -> None:
        """If the question can be answered with switched-off tables, name them (409)."""
        full = request.full_schema
        if full is None or len(full.tables) == len(request.schema.tables):
            return
        try:
            plan = self._plan(replace(request, schema=full))
        except Unanswerable:
            return
        enabled = {t.name for t in request.schema.tables}
        needed = tables_used(plan, full) - enabled
        if needed:
            raise TableDisabled(needed)

    def repair(self, request: Request, failed_sql: str, error: str) -> Draft:
        raise Unanswerable(f"The offline engine cannot repair SQL; the database said: {error}")

    def comment(
        self,
        question: str,
        sql: str,
        summary: dict[str, Any],
        on_progress: CommentProgress | None = None,
    ) -> Commentary:
        """The data's own sentences, all at once (the pipeline sends them one by one)."""
        insights, recommendations = data_commentary(summary)
        return Commentary(insights, recommendations)
