"""Turn the backend's chart spec (plain data) into a Plotly figure on the dark template.

The spec only names a chart type and columns of the result; nothing in it is evaluated, so a
spec can never run code. A spec naming a column the result lacks is refused. Labels, hovers,
titles and legend names come from the data or the model and are shown as text (Plotly would
draw ``<a href>`` or ``<b>`` in them as markup).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from frontend.plain_text import chart_text

CHART_TYPES = ("bar", "line", "scatter", "pie", "histogram")
_NEEDS_Y = frozenset({"bar", "line", "scatter", "pie"})
PALETTE = ["#7c8cff", "#34d399", "#fbbf24", "#f472b6", "#38bdf8", "#a78bfa", "#fb7185"]


class ChartSpecError(ValueError):
    """The spec cannot be drawn from this result (unknown type or column)."""


def _column(columns: Sequence[str], rows: Sequence[Sequence[Any]], name: str) -> list[Any]:
    if name not in columns:
        raise ChartSpecError(f"the chart names column {name!r}, which the result does not have")
    index = list(columns).index(name)
    return [chart_text(row[index]) for row in rows]


def _traces(
    kind: str, xs: list[Any], ys: list[Any], groups: list[Any] | None
) -> list[go.BaseTraceType]:
    if kind == "pie":
        return [go.Pie(labels=xs, values=ys, hole=0.45, sort=False)]
    if kind == "histogram":
        return [go.Histogram(x=xs)]
    series: dict[Any, tuple[list[Any], list[Any]]] = defaultdict(lambda: ([], []))
    for position, (x, y) in enumerate(zip(xs, ys, strict=True)):
        key = groups[position] if groups is not None else None
        series[key][0].append(x)
        series[key][1].append(y)
    traces: list[go.BaseTraceType] = []
    for key, (sx, sy) in series.items():
        name = None if key is None else str(key)
        if kind == "bar":
            traces.append(go.Bar(x=sx, y=sy, name=name))
        else:
            mode = "lines+markers" if kind == "line" else "markers"
            traces.append(go.Scatter(x=sx, y=sy, mode=mode, name=name))
    return traces


def build_figure(
    spec: Mapping[str, Any] | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> go.Figure | None:
    """The figure for ``spec`` over the result, or None when the spec asks for no chart."""
    spec = spec or {}
    kind = spec.get("type") or "none"
    if kind == "none":
        return None
    if kind not in CHART_TYPES:
        raise ChartSpecError(f"unknown chart type {kind!r}")
    x_name, y_name, color = spec.get("x"), spec.get("y"), spec.get("color")
    if not x_name or (kind in _NEEDS_Y and not y_name):
        raise ChartSpecError(f"a {kind} chart needs {'x and y' if kind in _NEEDS_Y else 'x'}")
    xs = _column(columns, rows, x_name)
    ys = _column(columns, rows, y_name) if y_name else []
    groups = _column(columns, rows, color) if color and kind in {"bar", "line", "scatter"} else None
    figure = go.Figure(data=_traces(kind, xs, ys, groups))
    figure.update_layout(
        template="plotly_dark",
        title={"text": chart_text(str(spec.get("title") or "")), "x": 0.02},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        colorway=PALETTE,
        margin={"l": 48, "r": 16, "t": 56, "b": 48},
        showlegend=groups is not None or kind == "pie",
        xaxis_title=None if kind == "pie" else chart_text(x_name),
        yaxis_title=None if kind in {"pie", "histogram"} or not y_name else chart_text(y_name),
    )
    return figure
