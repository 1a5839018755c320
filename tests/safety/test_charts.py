"""Chart specs are data from a fixed list, checked against the result's columns.

Contract: ``ChartSpec(type, x, y, color, title)``; ``validate_chart(spec, columns)`` falls back to
``none`` when an axis names a column the result lacks; ``suggest_chart(columns, rows)`` picks from
the result's shape.
"""

from __future__ import annotations

import pytest
from backend.ask.charts import suggest_chart, validate_chart
from contract.ask import Chart as ChartSpec


@pytest.mark.parametrize(
    ("columns", "rows", "expected"),
    [
        (
            ["grade", "default_rate"],
            [["A", 0.03], ["B", 0.07], ["C", 0.12]],
            ("bar", "grade", "default_rate"),
        ),
        (["month", "loans"], [["2023-01-01", 3], ["2023-02-01", 5]], ("line", "month", "loans")),
        (["month", "volume"], [["2023-01", 3.5], ["2023-02", 5.0]], ("line", "month", "volume")),
        (["year", "total"], [[2019, 3], [2020, 5]], ("line", "year", "total")),
        (
            ["home_ownership", "count"],
            [["RENT", 3], ["OWN", 1], ["MORTGAGE", 5]],
            ("pie", "home_ownership", "count"),
        ),
        (
            ["annual_income", "loan_amount"],
            [[50_000, 10_000], [90_000, 25_000]],
            ("scatter", "annual_income", "loan_amount"),
        ),
        (["loan_amount"], [[1000], [2500], [4000]], ("histogram", "loan_amount", None)),
        (["n"], [[42]], ("none", None, None)),
        (["state", "name"], [["CA", "x"], ["NY", "y"]], ("none", None, None)),
    ],
)
def test_suggestions_follow_the_shape(
    columns: list[str], rows: list[list[object]], expected: tuple[str, str | None, str | None]
) -> None:
    spec = suggest_chart(columns, rows)
    assert (spec.type, spec.x, spec.y) == expected
    assert validate_chart(spec, columns) == spec


def test_many_categories_are_a_bar_not_a_pie() -> None:
    rows = [[f"S{i}", i] for i in range(20)]
    assert suggest_chart(["state", "count"], rows).type == "bar"


def test_validation_drops_what_does_not_fit() -> None:
    columns = ["grade", "rate"]
    assert validate_chart(None, columns).type == "none"
    assert validate_chart({"type": "sparkline", "x": "grade"}, columns).type == "none"
    assert validate_chart({"type": "bar", "x": "grade", "y": "missing"}, columns).type == "none"
    kept = validate_chart(
        {"type": "bar", "x": "grade", "y": "rate", "color": "nope", "title": "Rates"}, columns
    )
    assert kept == ChartSpec(type="bar", x="grade", y="rate", color=None, title="Rates")
    histogram = validate_chart(ChartSpec(type="histogram", x="rate", y="missing"), columns)
    assert (histogram.type, histogram.y) == ("histogram", None)
