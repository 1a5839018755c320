"""Turn the backend's chart spec (plain data) into a Plotly figure, sent on the dark template.

The spec only names a chart type and columns of the result; nothing in it is evaluated, so a
spec can never run code. A spec naming a column the result lacks is refused. Labels, hovers,
titles and legend names come from the data or the model and are shown as text (Plotly would
draw ``<a href>`` or ``<b>`` in them as markup).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, get_args

import plotly.graph_objects as go
import plotly.io as pio
from contract.ask import ChartType, ColumnFormat
from gradio.components.plot import PlotData

from frontend.plain_text import chart_text

CHART_TYPES = tuple(kind for kind in get_args(ChartType) if kind != "none")
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


def _axis(fmt: ColumnFormat | None) -> dict[str, Any]:
    """Tick prefix, suffix and format of an axis showing ``fmt``'s values (d3 format)."""
    if fmt is None or fmt.kind not in {"currency", "percent", "count", "number"}:
        return {}
    decimals = 0 if fmt.kind == "count" else fmt.decimals
    axis: dict[str, Any] = {"tickformat": f",.{decimals}f", "hoverformat": f",.{decimals}f"}
    if fmt.kind == "currency":
        axis["tickprefix"] = fmt.unit or ""
    if fmt.kind == "percent":
        axis["ticksuffix"] = "%"
    if fmt.kind == "number" and fmt.unit:
        axis["ticksuffix"] = f" {fmt.unit}"
    return axis


def _by_value(xs: list[Any], ys: list[Any]) -> tuple[list[Any], list[Any]]:
    pairs = sorted(zip(xs, ys, strict=True), key=lambda p: (p[1] is None, -(p[1] or 0)))
    return [x for x, _ in pairs], [y for _, y in pairs]


def build_figure(
    spec: Mapping[str, Any] | None,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Mapping[str, ColumnFormat] | None = None,
) -> go.Figure | None:
    """The figure for ``spec`` over the result, or None when the spec asks for no chart.

    ``formats`` (the backend's column hints) give the axis titles and number formats; a bar
    chart whose spec says ``order: value`` is drawn largest first.
    """
    spec = spec or {}
    formats = formats or {}
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
    if kind == "bar" and groups is None and spec.get("order") == "value":
        xs, ys = _by_value(xs, ys)
    if kind in {"bar", "pie"}:
        xs = [str(x) for x in xs]  # categories, not a numeric axis
    x_format, y_format = formats.get(x_name), formats.get(y_name or "")
    layout: dict[str, Any] = {
        "title": {"text": chart_text(str(spec.get("title") or "")), "x": 0.02},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "colorway": PALETTE,
        "margin": {"l": 48, "r": 16, "t": 56, "b": 48},
        "showlegend": groups is not None or kind == "pie",
    }
    if kind != "pie":
        layout["xaxis"] = {"title": {"text": chart_text(x_format.label if x_format else x_name)}}
    if kind in {"bar", "line", "scatter"}:
        y_title = chart_text(y_format.label if y_format else y_name)
        layout["yaxis"] = {"title": {"text": y_title}, **_axis(y_format)}
        if kind == "bar":
            layout["xaxis"]["type"] = "category"
    # One validated layout in the constructor: update_layout's property paths cost six times it.
    return go.Figure(data=_traces(kind, xs, ys, groups), layout=layout)


@cache
def _dark_template() -> dict[str, Any]:
    return pio.templates["plotly_dark"].to_plotly_json()  # type: ignore[no-any-return]


def plot_data(figure: go.Figure) -> PlotData:
    """``figure`` as Gradio's Plot sends it, on the dark template. The template's JSON is made
    once: setting it on each figure, which validates all of it again, cost ten times the rest
    of the chart."""
    spec = figure.to_plotly_json()
    spec["layout"]["template"] = _dark_template()
    return PlotData(type="plotly", plot=pio.to_json(spec, validate=False))
