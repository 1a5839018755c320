"""What every question engine provides, so the pipeline never cares which one answers.

An engine turns a question (plus the earlier turns of its conversation) into SQL with a chart
choice and a one-line explanation, repairs SQL from a database error, and comments on a
compact summary of the result. Each answer carries its own token usage, so engines stay
stateless and one instance serves every request. An engine that writes its commentary
progressively tells ``on_progress`` what it has written so far (a preview: the returned
``Commentary`` is what counts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from backend.core.dialects import Dialect
from backend.core.errors import AppError
from backend.targets.schema_info import SchemaInfo


class Unanswerable(AppError):
    """The question has words the engine could not link to the schema; it never guesses."""

    status_code = 422
    code = "unanswerable"


class LlmFailed(AppError):
    """The language model did not give a usable answer (timeout, HTTP error, bad JSON)."""

    status_code = 502
    code = "llm_failed"


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.llm_calls + other.llm_calls,
        )


@dataclass(frozen=True)
class Turn:
    """An earlier question of the same conversation and the SQL that answered it."""

    question: str | None
    sql: str | None


@dataclass(frozen=True)
class Draft:
    """SQL for a question, with the engine's chart choice (unvalidated) and explanation."""

    sql: str
    chart: dict[str, Any] | None
    explanation: str
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class Commentary:
    insights: list[str]
    recommendations: list[str]
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class Request:
    """Everything an engine may look at to write SQL: never the data itself."""

    question: str
    schema: SchemaInfo  # only the tables the user enabled
    dialect: Dialect
    db_schema: str | None = None  # qualify table names with it (PostgreSQL schema)
    history: Sequence[Turn] = ()
    examples: Sequence[Turn] = ()  # liked question→SQL pairs of the same connection
    # Every table, switched off ones too: lets an engine say which table to enable.
    full_schema: SchemaInfo | None = None


# The insights and the recommendations written so far (the last item of each may be partial).
CommentProgress = Callable[[list[str], list[str]], None]


class Engine(Protocol):
    name: str
    max_repairs: int  # repair attempts allowed after the guard or the database refuses the SQL

    def draft(self, request: Request) -> Draft:
        """SQL, chart choice and explanation for ``request.question``."""
        ...

    def repair(self, request: Request, failed_sql: str, error: str) -> Draft:
        """A corrected draft after ``failed_sql`` was refused or failed with ``error``."""
        ...

    def comment(
        self,
        question: str,
        sql: str,
        summary: dict[str, Any],
        on_progress: CommentProgress | None = None,
    ) -> Commentary:
        """Insights and recommendations from a compact result summary (never all rows)."""
        ...
