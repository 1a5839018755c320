"""Display kinds of result columns (contract: ``Answer.formats`` — kind, label, unit, decimals —
inferred from values, names and the query; ``rows`` stay raw)."""

from __future__ import annotations

import pytest
from backend.ask.presentation import (
    bar_order,
    column_format,
    declared_units,
    formats,
    unit_in_comment,
)
from backend.engines.base import Request
from backend.engines.offline.engine import OfflineEngine
from backend.safety.executor import run_readonly
from backend.safety.guard import check_for_target
from backend.targets.introspect import introspect
from backend.targets.target import QueryTarget
from contract.ask import Chart
from sqlalchemy import create_engine

from tests.conftest import to_sqlalchemy

# Demo questions answered by the offline engine on the real demo: column → kind.
DEMO = {
    "What is the default rate by grade?": {"grade": "text", "default_rate_pct": "percent"},
    "Top 10 states by average loan amount": {"state": "text", "avg_loan_amount": "currency"},
    "Monthly loan volume in 2023": {
        "month": "period",
        "loan_count": "count",
        "total_loan_amount": "currency",
    },
    "How many loans per purpose?": {"purpose": "text", "loan_count": "count"},
    "What is the average interest rate by grade?": {"avg_interest_rate": "percent"},
    "Average annual income by home ownership": {"avg_annual_income": "currency"},
    "Average debt-to-income ratio by grade": {"avg_dti": "percent"},
}

# Columns as they come out of other schemas (Spider split A's among them), values and the
# aggregate behind them: the kind, including those that must stay plain numbers.
OTHERS = [
    ("Age", [32, 41, 29], None, "number"),
    ("avg_age", [33.5, 40.25], ("avg", "Age"), "number"),
    ("count", [3, 7], ("count", None), "count"),
    ("Population", [8_000_000, 1_200_000], None, "number"),
    ("Weight", [4.5, 12.0], None, "number"),
    ("Horsepower", [130, 165], None, "number"),
    ("Stadium_ID", [1, 2, 3], None, "text"),
    ("Year", [2014, 2015], None, "period"),
    ("Price", [19.99, 5.0], None, "currency"),
    ("sum_sales", [1200.5, 80.0], ("sum", "Sales"), "currency"),
    ("Capacity", [4125, 52500], None, "number"),
    ("Earnings", [476.0, 1_200_000.0], None, "currency"),
    ("Final_Table_Made", [42, 7], None, "number"),
    ("Name", ["Joe", "Ann"], None, "text"),
    ("Date_Arrived", ["2017-09-08 20:10:13", "2017-12-22 05:02:02"], None, "date"),
    ("month", ["2023-01", "2023-02"], None, "period"),
]


@pytest.mark.parametrize("question", DEMO)
def test_demo_answers_read_as_money_percent_count_and_periods(
    demo_sqlite: QueryTarget, question: str
) -> None:
    request = Request(question, demo_sqlite.enabled_schema(), demo_sqlite.dialect)
    sql = check_for_target(OfflineEngine().draft(request).sql, demo_sqlite)
    result = run_readonly(demo_sqlite, sql, row_cap=500, timeout_seconds=10)
    kinds = {f.name: f.kind for f in formats(result.columns, result.rows, sql)}
    assert {name: kinds.get(name) for name in DEMO[question]} == DEMO[question]


@pytest.mark.parametrize(("name", "values", "source", "kind"), OTHERS)
def test_columns_of_other_schemas(
    name: str, values: list[object], source: tuple[str, str | None] | None, kind: str
) -> None:
    assert column_format(name, values, source).kind == kind


def test_labels_units_and_decimals() -> None:
    money = column_format("avg_loan_amount", [16562.666], ("avg", "loan_amount"))
    assert (money.label, money.unit, money.decimals) == ("Average loan amount", "$", 2)
    rate = column_format("default_rate_pct", [3.5, 31.85], None)
    assert (rate.label, rate.unit, rate.decimals) == ("Default rate (%)", "%", 2)
    count = column_format("loans", [5021, 900], ("count", None))
    assert (count.unit, count.decimals) == (None, 0)


def test_bars_follow_the_value_unless_the_categories_have_an_order() -> None:
    bar = Chart(type="bar", x="label", y="value")
    by_purpose = [["car", 5.0], ["wedding", 9.0], ["medical", 7.0]]
    grades = [["A", 3.5], ["B", 7.7], ["C", 12.2]]
    terms = [["36 months", 1.0], ["60 months", 2.0]]
    columns = ["label", "value"]
    for rows, order in ((by_purpose, "value"), (grades, "category"), (terms, "category")):
        found = formats(columns, rows, None)
        assert bar_order(bar, columns, rows, found).order == order
    periods = [["2023-01", 1.0], ["2023-02", 3.0]]
    assert bar_order(bar, columns, periods, formats(columns, periods, None)).order == "category"


@pytest.mark.parametrize(
    ("comment", "unit"),
    [
        ("Amount in EUR", ("currency", "€")),
        ("loan value (£)", ("currency", "£")),
        ("GBP, excluding VAT", ("currency", "£")),
        ("unit: kg", ("number", "kg")),
        ("Units = m²", ("number", "m²")),
        ("net of euro conversion fees", None),  # prose, not a code
        ("USD or EUR depending on branch", None),  # two currencies: not guessed
        ("unit: <a href=x>", None),  # markup is never a unit
        ("free text comment", None),
    ],
)
def test_a_column_comment_names_the_currency_or_unit(
    comment: str, unit: tuple[str, str] | None
) -> None:
    assert unit_in_comment(comment) == unit


def test_a_declared_currency_overrides_the_default_symbol_on_postgres(pg_url: str) -> None:
    """Contract: a PostgreSQL ``COMMENT ON COLUMN`` naming a currency reaches the answer's
    formats through introspection, for the column itself and for aggregates of it."""
    engine = create_engine(to_sqlalchemy(pg_url))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE deals (id int PRIMARY KEY, total numeric, kg int)")
            conn.exec_driver_sql("COMMENT ON COLUMN deals.total IS 'Deal value in EUR'")
            conn.exec_driver_sql("COMMENT ON COLUMN deals.kg IS 'unit: kg'")
        schema = introspect(engine, dialect="postgres")
    finally:
        engine.dispose()
    units = declared_units(schema)
    shown = formats(
        ["total", "sum_total", "avg_kg", "deals"],
        [[10.5, 200.0, 3.5, 4]],
        "SELECT total, SUM(total) AS sum_total, AVG(kg) AS avg_kg, COUNT(*) AS deals FROM deals",
        units,
    )
    assert [(f.kind, f.unit) for f in shown] == [
        ("currency", "€"),
        ("currency", "€"),
        ("number", "kg"),
        ("count", None),
    ]
