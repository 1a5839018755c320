"""The steps of one question as they happen: the events of ``POST /api/query/stream``.

Each event is one server-sent event whose ``event:`` field is the model's ``type`` and whose
``data:`` is the model as JSON. In order: ``accepted``; ``sql`` (and ``repair``, ``sql`` again
while a failing query is sent back to the engine); ``checked``; ``rows``; ``chart``; any
number of ``insight`` deltas; then exactly one of ``done`` (the whole answer, the same shape as
``POST /api/query``) or ``error`` (the same codes and details). ``insight`` deltas are a
preview written as the model writes: ``done`` carries the final text, which replaces them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from contract.ask import Answer, Chart, ColumnFormat, JsonScalar
from contract.base import ApiModel
from contract.errors import ErrorBody

FIRST_PAGE_ROWS = 25  # rows sent with the ``rows`` event; ``done`` carries them all


class Accepted(ApiModel):
    """The question passed its checks (input, database, allowance) and runs; ``id`` names it
    for ``POST /api/query/{id}/cancel``."""

    type: Literal["accepted"] = "accepted"
    id: str
    elapsed_ms: float = 0.0


class SqlDrafted(ApiModel):
    """The SQL the engine wrote (or the SQL the user edited), and its stated reading."""

    type: Literal["sql"] = "sql"
    sql: str
    explanation: str
    took_ms: float
    elapsed_ms: float


class Repairing(ApiModel):
    """The SQL was refused or failed; it goes back to the engine with this error."""

    type: Literal["repair"] = "repair"
    failed_sql: str
    error: str
    elapsed_ms: float


class Checked(ApiModel):
    """The guard passed the SQL; ``sql`` is the statement it rebuilt and will run."""

    type: Literal["checked"] = "checked"
    sql: str
    elapsed_ms: float


class RowsReady(ApiModel):
    """The query ran: its columns, how to read them, and the first rows."""

    type: Literal["rows"] = "rows"
    columns: list[str]
    rows: list[list[JsonScalar]]  # at most FIRST_PAGE_ROWS
    row_count: int
    truncated: bool
    formats: list[ColumnFormat] = Field(default_factory=list)
    took_ms: float
    elapsed_ms: float


class ChartReady(ApiModel):
    type: Literal["chart"] = "chart"
    chart: Chart
    took_ms: float
    elapsed_ms: float


class InsightDelta(ApiModel):
    """Text to append to item ``index`` of ``section`` (a new item when the index is new)."""

    type: Literal["insight"] = "insight"
    section: Literal["insights", "recommendations"] = "insights"
    index: int
    delta: str


class Done(ApiModel):
    type: Literal["done"] = "done"
    answer: Answer


class Failed(ApiModel):
    """The question ended without an answer: ``body`` is what ``POST /api/query`` answers;
    ``status`` is the HTTP status it answers with there."""

    type: Literal["error"] = "error"
    status: int
    body: ErrorBody


AskEvent = Annotated[
    Accepted
    | SqlDrafted
    | Repairing
    | Checked
    | RowsReady
    | ChartReady
    | InsightDelta
    | Done
    | Failed,
    Field(discriminator="type"),
]
ASK_EVENT = TypeAdapter[AskEvent](AskEvent)
