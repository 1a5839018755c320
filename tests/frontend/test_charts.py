"""charts.py draws every chart type the backend's chart spec names (contract: POST /api/query
"chart"), on the dark template, and refuses specs that don't fit the result."""

from __future__ import annotations

import json

import pytest
from frontend.charts import CHART_TYPES, ChartSpecError, build_figure, plot_data

COLUMNS = ["grade", "term", "loans", "default_rate"]
ROWS = [["A", "36", 120, 0.02], ["B", "36", 90, 0.05], ["B", "60", 40, 0.09], ["C", "60", 30, 0.14]]
TRACE = {
    "bar": "bar",
    "line": "scatter",
    "scatter": "scatter",
    "pie": "pie",
    "histogram": "histogram",
}


@pytest.mark.parametrize("kind", CHART_TYPES)
def test_every_chart_type_renders_from_a_spec(kind: str) -> None:
    spec = {"type": kind, "x": "grade", "y": "default_rate", "color": None, "title": "By grade"}
    figure = build_figure(spec, COLUMNS, ROWS)
    assert figure is not None
    trace = figure.data[0]
    assert trace.type == TRACE[kind]
    assert figure.layout.title.text == "By grade"
    sent = json.loads(plot_data(figure).plot)  # what the browser gets
    assert sent["layout"]["template"]["layout"]["paper_bgcolor"] == "rgb(17,17,17)"  # dark
    assert sent["data"][0]["type"] == TRACE[kind]
    values = trace.labels if kind == "pie" else trace.x
    assert list(values) == ["A", "B", "B", "C"]
    if kind != "histogram":
        assert list(trace.values if kind == "pie" else trace.y) == [0.02, 0.05, 0.09, 0.14]


def test_a_color_column_splits_the_series() -> None:
    spec = {"type": "bar", "x": "grade", "y": "loans", "color": "term", "title": ""}
    figure = build_figure(spec, COLUMNS, ROWS)
    assert figure is not None
    assert sorted(trace.name for trace in figure.data) == ["36", "60"]
    by_term = {trace.name: list(trace.y) for trace in figure.data}
    assert by_term == {"36": [120, 90], "60": [40, 30]}


@pytest.mark.parametrize("spec", [None, {"type": "none"}, {"type": None}])
def test_no_chart_is_none(spec: dict[str, object] | None) -> None:
    assert build_figure(spec, COLUMNS, ROWS) is None


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"type": "bar", "x": "grade", "y": "password"}, "'password'"),
        ({"type": "line", "x": "nope", "y": "loans"}, "'nope'"),
        ({"type": "bar", "x": "grade", "y": "loans", "color": "region"}, "'region'"),
        ({"type": "pie", "x": "grade"}, "needs x and y"),
        ({"type": "histogram"}, "needs x"),
        ({"type": "__import__('os').system('id')", "x": "grade"}, "unknown chart type"),
    ],
)
def test_specs_that_do_not_fit_the_result_are_refused(spec: dict[str, str], reason: str) -> None:
    with pytest.raises(ChartSpecError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        build_figure(spec, COLUMNS, ROWS)
