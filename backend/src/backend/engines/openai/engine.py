"""The OpenAI engine: one structured-output call for SQL, one for insights, bounded repairs.

Works with any OpenAI-compatible endpoint (base URL from settings). The client is imported
lazily so the API starts quickly. Each call is bounded in tokens and time, and all calls of one
question share one budget (``llm_call``); messages alternate as chat templates require
(``chat_messages``). Model output is data, never code: the SQL still goes through the guard and
the chart spec through validation.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.core.config import Settings
from backend.core.dialects import Dialect
from backend.engines.base import (
    Commentary,
    CommentProgress,
    Draft,
    LlmFailed,
    Request,
    Unanswerable,
    Usage,
)
from backend.engines.commentary import data_commentary
from backend.engines.openai.chat_messages import Message, alternate, history_messages
from backend.engines.openai.client import make_client
from backend.engines.openai.llm_call import Budget, CallSpec, TextSink, complete
from backend.engines.schema_context import build_context

if TYPE_CHECKING:
    from openai import OpenAI

MAX_EXAMPLES = 3
MAX_SWITCHED_OFF = 50
CONTEXT_BUDGET_TOKENS = 3000
CHART_TYPES = ["bar", "line", "scatter", "pie", "histogram", "none"]


class _Chart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["bar", "line", "scatter", "pie", "histogram", "none"]
    x: str | None
    y: str | None
    color: str | None
    title: str


class _SqlAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sql: str
    chart: _Chart
    explanation: str


class _Comment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    insights: list[str] = Field(max_length=6)
    recommendations: list[str] = Field(max_length=3)


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


SQL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["sql", "chart", "explanation"],
    "properties": {
        "sql": {"type": "string"},
        "chart": {
            "type": "object",
            "additionalProperties": False,
            "required": ["type", "x", "y", "color", "title"],
            "properties": {
                "type": {"type": "string", "enum": CHART_TYPES},
                "x": _nullable("string"),
                "y": _nullable("string"),
                "color": _nullable("string"),
                "title": {"type": "string"},
            },
        },
        "explanation": {"type": "string"},
    },
}

COMMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["insights", "recommendations"],
    "properties": {
        "insights": {"type": "array", "items": {"type": "string"}},
        "recommendations": {"type": "array", "items": {"type": "string"}},
    },
}

# Said in the prompt too: servers without schema enforcement (and small models) need it.
SQL_SHAPE = (
    'Reply with only one JSON object: {"sql": "...", "chart": {"type": "...", "x": "..." or '
    'null, "y": "..." or null, "color": "..." or null, "title": "..."}, "explanation": "..."}.'
)
COMMENT_SHAPE = (
    'Reply with only one JSON object: {"insights": ["..."], "recommendations": ["..."]}.'
)

# The question whose budget the current calls draw on (one request runs in one context).
_question_budget: ContextVar[tuple[str, Budget] | None] = ContextVar(
    "llm_question_budget", default=None
)


def _system_prompt(request: Request) -> str:
    dialect = Dialect(request.dialect).label
    notes = Dialect(request.dialect).prompt_notes
    qualify = f' Qualify tables with the schema "{request.db_schema}".' if request.db_schema else ""
    context = build_context(
        request.schema,
        request.question,
        db_schema=request.db_schema,
        budget_tokens=CONTEXT_BUDGET_TOKENS,
    )
    lines = [
        f"You write one read-only {dialect} SELECT statement that answers a business question.",
        *([notes] if notes else []),
        "Use only the tables and columns listed below; never modify data." + qualify,
        "Use the listed values exactly as spelled. Give result columns short readable aliases.",
        "Prefer aggregated answers: at most a few thousand rows are shown. "
        f"Today is {date.today().isoformat()} (for relative dates such as 'last year').",
        "Choose a chart: type is one of bar, line, scatter, pie, histogram, none; x, y and color "
        "are result column names (or null); line for time series, bar for categories, pie only "
        "for shares of a whole.",
        "explanation: one plain sentence saying what the query computes.",
        SQL_SHAPE,
        "If the question cannot be answered from these tables, return sql as an empty string "
        "and say in explanation which part could not be mapped.",
        "",
        "Schema:",
        context,
    ]
    enabled = {t.name for t in request.schema.tables}
    everything = request.full_schema.tables if request.full_schema else ()
    switched_off = [t.name for t in everything if t.name not in enabled]
    if switched_off:
        lines += [
            "",
            "Switched-off tables (use one only if the question needs it; the user will be "
            "asked to enable it): " + ", ".join(switched_off[:MAX_SWITCHED_OFF]),
        ]
    examples = [e for e in request.examples if e.question and e.sql][:MAX_EXAMPLES]
    if examples:
        lines += ["", "Questions answered well on this database before:"]
        lines += [f"Q: {e.question}\nSQL: {e.sql}" for e in examples]
    return "\n".join(lines)


def _messages(request: Request) -> list[Message]:
    return [
        {"role": "system", "content": _system_prompt(request)},
        *history_messages(request.history),  # CONVERSATION_TURNS, chosen by the pipeline
        {"role": "user", "content": request.question},
    ]


def _parse(model: type[_SqlAnswer] | type[_Comment], content: str) -> Any:
    """The reply's JSON object (fences or chatter around it ignored), validated by ``model``.

    ``strict=False`` accepts raw control characters inside strings, which grammar-constrained
    servers let through; asking again for them would only waste the budget.
    """
    text = content.strip()
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        text = text[start : end + 1]
    return model.model_validate(json.loads(text, strict=False))


def _preview(on_progress: CommentProgress, text: str) -> None:
    """The lists of a half-written comment reply, read by a JSON parser that accepts a cut."""
    import jiter

    start = text.find("{")
    if start < 0:
        return
    try:
        reply = jiter.from_json(text[start:].encode(), partial_mode="trailing-strings")
    except ValueError:
        return
    if isinstance(reply, dict):
        on_progress(_strings(reply.get("insights")), _strings(reply.get("recommendations")))


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


class OpenAIEngine:
    """Answers with a language model; at most two calls on the happy path."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.max_repairs = settings.llm_max_repairs
        self._client: OpenAI | None = None

    def _get_client(self) -> OpenAI:
        if self._client is None:
            self._client = make_client(self._settings)
        return self._client

    def _budget(self, question: str, *, fresh: bool = False) -> Budget:
        """The budget of the question being answered (a new one for a new question)."""
        current = _question_budget.get()
        if fresh or current is None or current[0] != question:
            self._get_client()  # the client's first import is no time the model spent
            current = (question, Budget(self._settings.llm_budget_seconds))
            _question_budget.set(current)
        return current[1]

    def _structured(
        self,
        messages: list[Message],
        spec: CallSpec,
        model: type[_SqlAnswer] | type[_Comment],
        budget: Budget,
        on_text: TextSink | None = None,
    ) -> tuple[Any, Usage]:
        """One call; if the output is not valid JSON for ``model``, one repair call (which is
        not previewed: its text starts over)."""
        fold = self._settings.openai_fold_system_prompt
        client = self._get_client()
        reply = complete(
            client, self._settings, budget, alternate(messages, fold_system=fold), spec, on_text
        )
        usage = reply.usage
        try:
            return _parse(model, reply.content), usage
        except ValueError as error:  # pydantic's ValidationError is one too
            problem = str(error).splitlines()[0][:200]
        retry: list[Message] = [
            *messages,
            {"role": "assistant", "content": reply.content[:4000]},
            {
                "role": "user",
                "content": f"That reply was not valid JSON for the required schema ({problem}). "
                "Reply again with only the JSON object.",
            },
        ]
        reply = complete(client, self._settings, budget, alternate(retry, fold_system=fold), spec)
        usage = usage + reply.usage
        try:
            return _parse(model, reply.content), usage
        except ValueError:
            raise LlmFailed(
                "The language model twice returned output that is not the expected JSON "
                f"({reply.mode} response format); a larger or instruction-tuned model would help."
            ) from None

    def _sql_spec(self) -> CallSpec:
        limit = self._settings.llm_sql_max_tokens
        return CallSpec("sql_answer", SQL_SCHEMA, limit, "LLM_SQL_MAX_TOKENS")

    def _draft(self, messages: list[Message], budget: Budget) -> Draft:
        answer, usage = self._structured(messages, self._sql_spec(), _SqlAnswer, budget)
        if not answer.sql.strip():
            raise Unanswerable(
                answer.explanation or "The question cannot be answered from the enabled tables."
            )
        return Draft(answer.sql, answer.chart.model_dump(), answer.explanation, usage)

    def draft(self, request: Request) -> Draft:
        return self._draft(_messages(request), self._budget(request.question, fresh=True))

    def repair(self, request: Request, failed_sql: str, error: str) -> Draft:
        messages = _messages(request)
        messages.append({"role": "assistant", "content": json.dumps({"sql": failed_sql})})
        messages.append(
            {
                "role": "user",
                "content": f"That SQL failed with this error:\n{error[:2000]}\n"
                "Return a corrected answer in the same JSON format.",
            }
        )
        return self._draft(messages, self._budget(request.question))

    def comment(
        self,
        question: str,
        sql: str,
        summary: dict[str, Any],
        on_progress: CommentProgress | None = None,
    ) -> Commentary:
        """Insights from the summary; if the model fails, the data's own insights stand in."""
        messages: list[Message] = [
            {
                "role": "system",
                "content": "You are a careful business analyst. From the question, the SQL and "
                "a summary of its result, write 2-4 short insights that cite the numbers, and "
                "1-3 recommendations phrased as suggestions to investigate, not certainties. "
                "Never invent figures that are not in the summary. " + COMMENT_SHAPE,
            },
            {
                "role": "user",
                "content": json.dumps(
                    {"question": question, "sql": sql, "result": summary}, default=str
                ),
            },
        ]
        try:
            limit = self._settings.llm_insights_max_tokens
            spec = CallSpec("insights", COMMENT_SCHEMA, limit, "LLM_INSIGHTS_MAX_TOKENS")
            preview = None if on_progress is None else partial(_preview, on_progress)
            answer, usage = self._structured(
                messages, spec, _Comment, self._budget(question), preview
            )
        except LlmFailed:
            insights, recommendations = data_commentary(summary)
            return Commentary(insights, recommendations, Usage(llm_calls=1))
        return Commentary(answer.insights, answer.recommendations, usage)
