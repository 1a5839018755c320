"""A streamed question's answer as far as it has arrived, in the shape the result view draws.

Each event of ``POST /api/query/stream`` fills in one part (SQL, rows, chart, insight text);
``answer()`` gives an ``Answer`` of what is known so far, so the same renderers draw a
half-arrived answer and a whole one. ``done`` replaces it all with the recorded answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contract.ask import Answer, Chart, ColumnFormat, JsonScalar, Quota, Timings, Tokens
from contract.ask_events import (
    Accepted,
    AskEvent,
    ChartReady,
    Checked,
    Done,
    InsightDelta,
    Repairing,
    RowsReady,
    SqlDrafted,
)

# How many of the four steps (SQL, Run, Chart, Insights) each event completes.
_STEPS_DONE = {"sql": 1, "rows": 2, "chart": 3, "done": 4}


@dataclass
class LiveAnswer:
    question_id: str | None = None
    steps_done: int = 0
    sql: str = ""
    explanation: str = ""
    repairing: str = ""  # the error the engine is repairing, while it does
    columns: list[str] = field(default_factory=list)
    rows: list[list[JsonScalar]] = field(default_factory=list)
    row_count: int = 0
    truncated: bool = False
    formats: list[ColumnFormat] = field(default_factory=list)
    chart: Chart | None = None
    insights: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    final: Answer | None = None

    def apply(self, event: AskEvent) -> None:
        """Take in one event (in the order the backend sends them)."""
        self.steps_done = max(self.steps_done, _STEPS_DONE.get(event.type, 0))
        if isinstance(event, Accepted):
            self.question_id = event.id
        elif isinstance(event, SqlDrafted):
            self.sql, self.explanation, self.repairing = event.sql, event.explanation, ""
            self._took("sql_ms", event.took_ms)
        elif isinstance(event, Repairing):
            self.repairing = event.error
        elif isinstance(event, Checked):
            self.sql = event.sql
        elif isinstance(event, RowsReady):
            self.columns, self.rows, self.formats = event.columns, event.rows, event.formats
            self.row_count, self.truncated = event.row_count, event.truncated
            self._took("run_ms", event.took_ms)
        elif isinstance(event, ChartReady):
            self.chart = event.chart
            self._took("chart_ms", event.took_ms)
        elif isinstance(event, InsightDelta):
            items = self.insights if event.section == "insights" else self.recommendations
            if event.index == len(items):
                items.append("")
            if event.index < len(items):
                items[event.index] += event.delta
        elif isinstance(event, Done):
            self.final = event.answer
            self.timings = event.answer.timings

    def _took(self, step: str, ms: float) -> None:
        self.timings = self.timings.model_copy(update={step: ms})

    def answer(self) -> Answer:
        """The recorded answer once it is done; until then, what has arrived."""
        if self.final is not None:
            return self.final
        return Answer(
            id="",
            conversation_id="",
            question=None,
            sql=self.sql,
            columns=self.columns,
            rows=self.rows,
            row_count=self.row_count,
            truncated=self.truncated,
            row_cap=self.row_count,
            formats=self.formats,
            chart=self.chart,
            explanation=self.explanation,
            insights=self.insights,
            recommendations=self.recommendations,
            timings=self.timings,
            tokens=Tokens(),
            engine="offline",
            quota=Quota(),
        )
