"""Asking: the question body, the answer, and the demo's example questions."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from contract.base import ApiModel

JsonScalar = str | int | float | bool | None
ChartType = Literal["bar", "line", "scatter", "pie", "histogram", "none"]
DisplayKind = Literal["currency", "percent", "count", "number", "date", "period", "text"]
Engine = Literal["offline", "openai"]
DEMO_CONNECTION = "demo"


class Chart(ApiModel):
    """What to draw: a type from the fixed list and result columns; never code."""

    type: ChartType = "none"
    x: str | None = None
    y: str | None = None
    color: str | None = None
    title: str = Field(default="", max_length=200)
    # Categories in the order the result gives them (grades, months, terms) or by the value.
    order: Literal["category", "value"] = "category"


class ColumnFormat(ApiModel):
    """How a result column reads to people; the values in ``rows`` stay raw."""

    name: str  # the SQL alias, as in ``columns``
    label: str  # "Average loan amount"
    kind: DisplayKind = "text"
    unit: str | None = None  # a currency symbol, or "%"
    decimals: int = 0


class Timings(ApiModel):
    sql_ms: float = 0.0
    run_ms: float = 0.0
    chart_ms: float = 0.0
    insights_ms: float = 0.0
    total_ms: float = 0.0


class Tokens(ApiModel):
    prompt: int = 0
    completion: int = 0
    llm_calls: int = 0


class Quota(ApiModel):
    """What is left of the caller's allowance after this answer (None: no limit applies)."""

    remaining: int | None = None
    limit: int | None = None
    period: str = ""


class Answer(ApiModel):
    id: str
    conversation_id: str
    question: str | None
    sql: str
    columns: list[str]
    rows: list[list[JsonScalar]]
    row_count: int
    truncated: bool
    row_cap: int
    formats: list[ColumnFormat] = Field(default_factory=list)
    chart: Chart | None
    explanation: str
    insights: list[str]
    recommendations: list[str]
    timings: Timings
    tokens: Tokens
    engine: Engine
    quota: Quota


class ExampleTable(ApiModel):
    name: str
    description: str
    columns: list[str]


class ExampleDatabase(ApiModel):
    name: str
    description: str
    tables: list[ExampleTable]


class Examples(ApiModel):
    database: ExampleDatabase
    questions: list[str] = Field(min_length=1)


class Transcript(ApiModel):
    text: str
