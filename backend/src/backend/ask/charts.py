"""Chart choice as data: a spec from a fixed list, validated against the result's columns.

The model (or the heuristic below) only ever names a chart type and columns; the frontend renders
the spec with Plotly. No model-written code is executed anywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, get_args

from contract.ask import Chart as ChartSpec
from contract.ask import ChartType

CHART_TYPES: tuple[ChartType, ...] = get_args(ChartType)
PIE_MAX_SLICES = 8
BAR_MAX_CATEGORIES = 50

_DATE_LIKE = re.compile(r"^\d{4}(-\d{2}(-\d{2}([ T].*)?)?)?$|^\d{4}-Q[1-4]$")
_YEAR_NAME = re.compile(r"year", re.IGNORECASE)
_SHARE_NAME = re.compile(r"(share|pct|percent|ratio|proportion|count|total|sum|volume)", re.I)

NO_CHART = ChartSpec(type="none")


def validate_chart(spec: ChartSpec | dict[str, Any] | None, columns: Sequence[str]) -> ChartSpec:
    """Keep a spec only if it fits the result; otherwise drop what does not fit.

    Unknown colour columns are dropped; an unknown x or y makes the chart ``none`` rather than
    drawing something misleading.
    """
    if spec is None:
        return NO_CHART
    if isinstance(spec, dict):
        try:
            spec = ChartSpec.model_validate(spec)
        except ValueError:
            return NO_CHART
    known = set(columns)
    color = spec.color if spec.color in known else None
    if spec.type == "none":
        return spec.model_copy(update={"x": None, "y": None, "color": None})
    if spec.x not in known:
        return NO_CHART.model_copy(update={"title": spec.title})
    needs_y = spec.type != "histogram"
    if needs_y and spec.y not in known:
        return NO_CHART.model_copy(update={"title": spec.title})
    y = spec.y if spec.y in known else None
    return spec.model_copy(update={"y": y, "color": color})


def suggest_chart(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str = ""
) -> ChartSpec:
    """Pick a chart from the result's shape when the engine did not choose one."""
    if not columns or not rows:
        return NO_CHART
    kinds = [_column_kind(rows, i) for i in range(len(columns))]
    dates = [
        c
        for i, c in enumerate(columns)
        if kinds[i] == "date" or (kinds[i] == "number" and _is_year_column(rows, i, c))
    ]
    numbers = [c for i, c in enumerate(columns) if kinds[i] == "number" and c not in dates]
    labels = [c for i, c in enumerate(columns) if kinds[i] == "text"]
    value = numbers[-1] if numbers else None
    if len(rows) == 1 and len(columns) <= 2:
        return NO_CHART  # a single figure reads better as a number than as a chart
    if dates and value:
        color = labels[0] if labels and len(columns) == 3 else None
        return ChartSpec(type="line", x=dates[0], y=value, color=color, title=title)
    if labels and value:
        label = labels[0]
        color = labels[1] if len(labels) > 1 and len(columns) == 3 else None
        if (
            color is None
            and len(rows) <= PIE_MAX_SLICES
            and _SHARE_NAME.search(value)
            and all(_non_negative(r[columns.index(value)]) for r in rows)
        ):
            return ChartSpec(type="pie", x=label, y=value, title=title)
        if len(rows) <= BAR_MAX_CATEGORIES:
            return ChartSpec(type="bar", x=label, y=value, color=color, title=title)
        return NO_CHART
    if len(numbers) >= 2:
        return ChartSpec(type="scatter", x=numbers[0], y=numbers[1], title=title)
    if len(numbers) == 1 and len(columns) == 1:
        return ChartSpec(type="histogram", x=numbers[0], title=title)
    return NO_CHART


def _is_year_column(rows: Sequence[Sequence[Any]], index: int, name: str) -> bool:
    """A whole-number column named like a year ("year", "issue_year") holding years."""
    if not _YEAR_NAME.search(name):
        return False
    values = [r[index] for r in rows if r[index] is not None]
    return all(isinstance(v, int | float) and 1900 <= v <= 2100 and v == int(v) for v in values)


def _non_negative(value: Any) -> bool:
    return isinstance(value, int | float) and value >= 0


def _column_kind(rows: Sequence[Sequence[Any]], index: int) -> str | None:
    """'number', 'date' or 'text' from the values (JSON-safe: dates arrive as ISO strings)."""
    values = [r[index] for r in rows[:200] if r[index] is not None]
    if not values:
        return None
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "number"
    if all(isinstance(v, dt.date) or (isinstance(v, str) and _DATE_LIKE.match(v)) for v in values):
        return "date"
    return "text"
