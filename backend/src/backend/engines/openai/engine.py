"""The OpenAI engine: one structured-output call for SQL, one for insights, bounded repairs.

Works with any OpenAI-compatible endpoint (base URL from settings). The client is imported
lazily so the API starts quickly, and it does its own retries with backoff on 429 and 5xx
(``max_retries``). Model output is data, never code: the SQL still goes through the guard and
the chart spec through validation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backend.core.config import Settings
from backend.engines.base import (
    Commentary,
    Draft,
    LlmFailed,
    Request,
    Unanswerable,
    Usage,
)
from backend.engines.commentary import data_commentary
from backend.engines.openai.client import make_client
from backend.engines.schema_context import build_context

if TYPE_CHECKING:
    from openai import OpenAI
    from openai.types.chat import ChatCompletionMessageParam
    from openai.types.shared_params import ResponseFormatJSONSchema

HISTORY_TURNS = 5
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


SQL_FORMAT: ResponseFormatJSONSchema = {
    "type": "json_schema",
    "json_schema": {
        "name": "sql_answer",
        "strict": True,
        "schema": {
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
        },
    },
}

COMMENT_FORMAT: ResponseFormatJSONSchema = {
    "type": "json_schema",
    "json_schema": {
        "name": "insights",
        "strict": True,
        "schema": {
            "type": "object",
            "additionalProperties": False,
            "required": ["insights", "recommendations"],
            "properties": {
                "insights": {"type": "array", "items": {"type": "string"}},
                "recommendations": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}

_DIALECT_NAMES = {"postgres": "PostgreSQL", "sqlite": "SQLite", "mysql": "MySQL"}


def _system_prompt(request: Request) -> str:
    dialect = _DIALECT_NAMES.get(request.dialect, request.dialect)
    qualify = f' Qualify tables with the schema "{request.db_schema}".' if request.db_schema else ""
    context = build_context(
        request.schema,
        request.question,
        db_schema=request.db_schema,
        budget_tokens=CONTEXT_BUDGET_TOKENS,
    )
    lines = [
        f"You write one read-only {dialect} SELECT statement that answers a business question.",
        "Use only the tables and columns listed below; never modify data." + qualify,
        "Use the listed values exactly as spelled. Give result columns short readable aliases.",
        "Prefer aggregated answers: at most a few thousand rows are shown. "
        f"Today is {date.today().isoformat()} (for relative dates such as 'last year').",
        "Choose a chart: type is one of bar, line, scatter, pie, histogram, none; x, y and color "
        "are result column names (or null); line for time series, bar for categories, pie only "
        "for shares of a whole.",
        "explanation: one plain sentence saying what the query computes.",
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


def _messages(request: Request) -> list[ChatCompletionMessageParam]:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": _system_prompt(request)}
    ]
    for turn in list(request.history)[-HISTORY_TURNS:]:
        if turn.question:
            messages.append({"role": "user", "content": turn.question})
        if turn.sql:
            messages.append({"role": "assistant", "content": json.dumps({"sql": turn.sql})})
    messages.append({"role": "user", "content": request.question})
    return messages


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

    def _call(
        self,
        messages: Sequence[ChatCompletionMessageParam],
        response_format: ResponseFormatJSONSchema,
    ) -> tuple[str, Usage]:
        import openai

        try:
            response = self._get_client().chat.completions.create(
                model=self._settings.openai_model,
                messages=list(messages),
                response_format=response_format,
                temperature=0,
            )
        except openai.APITimeoutError:
            seconds = self._settings.openai_timeout_seconds
            raise LlmFailed(
                f"The language model did not answer within {seconds:g} s; please try again."
            ) from None
        except openai.RateLimitError:
            raise LlmFailed(
                "The language model is rate-limiting us right now; please retry in a minute."
            ) from None
        except openai.APIStatusError as error:
            raise LlmFailed(
                f"The language model answered with HTTP {error.status_code}; please try again."
            ) from None
        except openai.APIConnectionError:
            raise LlmFailed("The language model could not be reached; please try again.") from None
        usage = Usage(llm_calls=1)
        if response.usage is not None:
            usage = Usage(response.usage.prompt_tokens, response.usage.completion_tokens, 1)
        content = response.choices[0].message.content if response.choices else None
        return content or "", usage

    def _structured(
        self,
        messages: list[ChatCompletionMessageParam],
        response_format: ResponseFormatJSONSchema,
        model: type[_SqlAnswer] | type[_Comment],
    ) -> tuple[Any, Usage]:
        """One call; if the output is not valid JSON for ``model``, one repair call."""
        content, usage = self._call(messages, response_format)
        try:
            return model.model_validate_json(content), usage
        except ValidationError as error:
            problem = error.errors(include_url=False, include_input=False)[0]["msg"]
        retry: list[ChatCompletionMessageParam] = [
            *messages,
            {"role": "assistant", "content": content[:4000]},
            {
                "role": "user",
                "content": f"That reply was not valid JSON for the required schema ({problem}). "
                "Reply again with only the JSON object.",
            },
        ]
        content, more = self._call(retry, response_format)
        usage = usage + more
        try:
            return model.model_validate_json(content), usage
        except ValidationError:
            raise LlmFailed(
                "The language model twice returned output that is not the expected JSON."
            ) from None

    def _draft(self, messages: list[ChatCompletionMessageParam]) -> Draft:
        answer, usage = self._structured(messages, SQL_FORMAT, _SqlAnswer)
        if not answer.sql.strip():
            raise Unanswerable(
                answer.explanation or "The question cannot be answered from the enabled tables."
            )
        return Draft(answer.sql, answer.chart.model_dump(), answer.explanation, usage)

    def draft(self, request: Request) -> Draft:
        return self._draft(_messages(request))

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
        return self._draft(messages)

    def comment(self, question: str, sql: str, summary: dict[str, Any]) -> Commentary:
        """Insights from the summary; if the model fails, the data's own insights stand in."""
        messages: list[ChatCompletionMessageParam] = [
            {
                "role": "system",
                "content": "You are a careful business analyst. From the question, the SQL and "
                "a summary of its result, write 2-4 short insights that cite the numbers, and "
                "1-3 recommendations phrased as suggestions to investigate, not certainties. "
                "Never invent figures that are not in the summary.",
            },
            {
                "role": "user",
                "content": json.dumps(
                    {"question": question, "sql": sql, "result": summary}, default=str
                ),
            },
        ]
        try:
            answer, usage = self._structured(messages, COMMENT_FORMAT, _Comment)
        except LlmFailed:
            insights, recommendations = data_commentary(summary)
            return Commentary(insights, recommendations, Usage(llm_calls=1))
        return Commentary(answer.insights, answer.recommendations, usage)
