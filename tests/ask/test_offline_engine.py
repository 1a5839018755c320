"""The offline engine on a schema it has never seen (a small shop), on follow-ups, and on
questions it must refuse, naming the words it could not map.

Contract: any introspected schema; answers equal hand-written SQL; never guesses.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from backend.core.dialects import Dialect
from backend.engines.base import Request, Turn, Unanswerable
from backend.engines.offline.engine import OfflineEngine
from backend.safety.executor import run_readonly
from backend.safety.guard import TableDisabled, check_sql
from backend.targets.introspect import introspect
from backend.targets.schema_info import SchemaInfo
from backend.targets.target import QueryTarget
from devkit.demo_answers import normalise
from sqlalchemy import Engine, create_engine

from tests.ask.test_offline_acceptance import offline_rows

SHOP_DDL = """
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    country TEXT NOT NULL, signup_date DATE NOT NULL);
CREATE TABLE products (product_id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    category TEXT NOT NULL, price NUMERIC NOT NULL);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (customer_id),
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    order_date DATE NOT NULL, quantity INTEGER NOT NULL, amount NUMERIC NOT NULL,
    status TEXT NOT NULL);
"""


def _fill_shop(path: Path) -> None:
    rng = random.Random(7)
    countries = ["Canada", "France", "Germany", "Japan", "Brazil"]
    categories = ["books", "games", "garden", "kitchen"]
    with sqlite3.connect(path) as conn:
        conn.executescript(SHOP_DDL)
        for i in range(1, 41):
            day = f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            conn.execute(
                "INSERT INTO customers VALUES (?, ?, ?, ?)",
                (i, f"Customer {i}", rng.choice(countries), day),
            )
        for i in range(1, 13):
            conn.execute(
                "INSERT INTO products VALUES (?, ?, ?, ?)",
                (i, f"Product {i}", categories[i % 4], round(rng.uniform(5, 200), 2)),
            )
        for i in range(1, 601):
            quantity = rng.randint(1, 5)
            day = f"{rng.choice([2023, 2024])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            status = rng.choice(["shipped", "shipped", "shipped", "cancelled", "pending"])
            amount = round(quantity * rng.uniform(5, 200), 2)
            conn.execute(
                "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)",
                (i, rng.randint(1, 40), rng.randint(1, 12), day, quantity, amount, status),
            )


def _sqlite_target(path: Path, key: str) -> Iterator[QueryTarget]:
    """The SQLite file at ``path`` as a query target, introspected as a connection would be."""
    engine: Engine = create_engine(f"sqlite:///{path}")
    yield QueryTarget(
        key=key,
        engine=engine,
        dialect=Dialect.SQLITE,
        db_schema=None,
        schema_info=introspect(engine, dialect="sqlite"),
        enabled_tables=None,
    )
    engine.dispose()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueryTarget]:
    path = tmp_path_factory.mktemp("shop") / "shop.sqlite"
    _fill_shop(path)
    yield from _sqlite_target(path, "shop")


SHOP_EXPECTED: dict[str, tuple[str, bool]] = {
    "How many orders per country?": (
        "SELECT c.country, COUNT(*) FROM orders o JOIN customers c "
        "ON c.customer_id = o.customer_id GROUP BY c.country",
        False,
    ),
    "Total amount by category": (
        "SELECT p.category, SUM(o.amount) FROM orders o JOIN products p "
        "ON p.product_id = o.product_id GROUP BY p.category",
        False,
    ),
    "Top 3 products by total quantity": (
        "SELECT p.name, SUM(o.quantity) AS q FROM orders o JOIN products p "
        "ON p.product_id = o.product_id GROUP BY p.name ORDER BY q DESC, p.name LIMIT 3",
        True,
    ),
    "Monthly order count in 2024": (
        "SELECT strftime('%Y-%m', order_date) AS m, COUNT(*) FROM orders "
        "WHERE order_date LIKE '2024-%' GROUP BY m ORDER BY m",
        True,
    ),
    "Average price by category": (
        "SELECT category, ROUND(AVG(price), 2) FROM products GROUP BY category",
        False,
    ),
    "How many customers in Canada?": (
        "SELECT COUNT(*) FROM customers WHERE country = 'Canada'",
        False,
    ),
    "Orders with amount over 100 by status": (
        "SELECT status, COUNT(*) FROM orders WHERE amount > 100 GROUP BY status",
        False,
    ),
    "Share of orders by status": (
        "SELECT status, ROUND(100.0 * COUNT(*) / (SELECT COUNT(*) FROM orders), 2) "
        "FROM orders GROUP BY status",
        False,
    ),
    "Rate of cancelled orders by country": (
        "SELECT c.country, ROUND(100.0 * SUM(o.status = 'cancelled') / COUNT(*), 2) "
        "FROM orders o JOIN customers c ON c.customer_id = o.customer_id GROUP BY c.country",
        False,
    ),
    "Which category has the highest average price?": (
        "SELECT category, ROUND(AVG(price), 2) AS a FROM products GROUP BY category "
        "ORDER BY a DESC LIMIT 1",
        True,
    ),
}


@pytest.mark.parametrize("question", SHOP_EXPECTED)
def test_offline_answers_an_unrelated_schema(shop: QueryTarget, question: str) -> None:
    sql, ordered = SHOP_EXPECTED[question]
    expected = normalise(run_readonly(shop, sql, row_cap=1000, timeout_seconds=5).rows, ordered)
    assert expected
    assert normalise(offline_rows(shop, question), ordered) == expected


@pytest.mark.parametrize(
    ("question", "unmapped"),
    [
        ("What is the churn rate by customer segment?", ["'churn'", "'segment'"]),
        ("Average amount by weather", ["'weather'"]),
        ("How many orders per country'; DROP TABLE orders; --", ["'DROP'"]),
    ],
)
def test_unanswerable_names_exactly_the_unmapped_words(
    shop: QueryTarget, question: str, unmapped: list[str]
) -> None:
    with pytest.raises(Unanswerable) as caught:
        offline_rows(shop, question)
    assert caught.value.status_code == 422
    for word in unmapped:
        assert word in caught.value.detail
    assert "'orders'" not in caught.value.detail  # mapped words are not blamed


def test_typos_get_a_hint_but_no_guess(shop: QueryTarget) -> None:
    with pytest.raises(Unanswerable, match="'contry' → 'country'"):
        offline_rows(shop, "How many orders per contry?")
    with pytest.raises(Unanswerable, match=r"'average country'.*text"):
        offline_rows(shop, "average country by status")


def test_a_number_column_without_a_way_to_combine_it_is_not_guessed(shop: QueryTarget) -> None:
    with pytest.raises(Unanswerable, match="how to combine 'amount'"):
        offline_rows(shop, "amount by category")


def _ask(target: QueryTarget, question: str, history: list[Turn]) -> tuple[str, list[list[Any]]]:
    draft = OfflineEngine().draft(
        Request(question, target.enabled_schema(), target.dialect, target.db_schema, history)
    )
    sql = check_sql(
        draft.sql,
        dialect=target.dialect,
        enabled_tables=None,
        all_tables=[t.name for t in target.schema_info.tables],
        db_schema=target.db_schema,
    )
    return draft.sql, run_readonly(target, sql, row_cap=1000, timeout_seconds=15).rows


def test_follow_ups_refine_the_previous_turn(demo_sqlite: QueryTarget) -> None:
    history: list[Turn] = []
    first_sql, by_grade = _ask(demo_sqlite, "What is the default rate by grade?", history)
    history.append(Turn("What is the default rate by grade?", first_sql))
    only_sql, only_a = _ask(demo_sqlite, "only for grade A", history)
    assert only_a == [row for row in by_grade if row[0] == "A"]
    history.append(Turn("only for grade A", only_sql))
    _, by_term = _ask(demo_sqlite, "now by term", history)
    expected = run_readonly(
        demo_sqlite,
        "SELECT term, ROUND(100.0 * SUM(is_default) / COUNT(*), 2) FROM loans "
        "WHERE grade = 'A' GROUP BY term",
        row_cap=10,
        timeout_seconds=5,
    ).rows
    assert normalise(by_term, False) == normalise(expected, False)


def test_filters_alone_list_the_matching_rows(demo_sqlite: QueryTarget) -> None:
    sql, rows = _ask(demo_sqlite, "show loans of grade A with loan amount above 34k", [])
    columns = [c.name for c in demo_sqlite.schema_info.table("loans").columns]  # type: ignore[union-attr]
    grade, amount = columns.index("grade"), columns.index("loan_amount")
    expected = run_readonly(
        demo_sqlite,
        "SELECT COUNT(*) FROM loans WHERE grade = 'A' AND loan_amount > 34000",
        row_cap=1,
        timeout_seconds=5,
    ).rows[0][0]
    assert rows, sql
    assert len(rows) == expected
    assert all(row[grade] == "A" and float(row[amount]) > 34000 for row in rows)


def test_only_enabled_tables_are_used(demo_sqlite: QueryTarget) -> None:
    """With borrowers switched off, a question needing them cannot be answered."""
    loans_only: SchemaInfo = demo_sqlite.schema_info.only(frozenset({"loans"}))
    question = "Top 10 states by average loan amount"
    with pytest.raises(Unanswerable, match="'states'"):
        OfflineEngine().draft(Request(question, loans_only, Dialect.SQLITE))
    knowing_all = Request(question, loans_only, Dialect.SQLITE, full_schema=demo_sqlite.schema_info)
    with pytest.raises(TableDisabled) as caught:
        OfflineEngine().draft(knowing_all)
    assert caught.value.extra == {"tables": ["borrowers"]}


DEMO_VARIANTS: dict[str, str] = {
    "How many loans were issued in 2023?": (
        "SELECT COUNT(*) FROM loans WHERE issue_date BETWEEN '2023-01-01' AND '2023-12-31'"
    ),
    "Average income of borrowers in California": (
        "SELECT ROUND(AVG(annual_income), 2) FROM borrowers WHERE state = 'CA'"
    ),
    "Average loan amount for grade A vs grade B": (
        "SELECT grade, ROUND(AVG(loan_amount), 2) FROM loans WHERE grade IN ('A', 'B') "
        "GROUP BY grade"
    ),
    "What percentage of loans are charged off?": (
        "SELECT ROUND(100.0 * SUM(loan_status = 'Charged Off') / COUNT(*), 2) FROM loans"
    ),
    "Which state has the most borrowers?": (
        "SELECT state, COUNT(*) AS n FROM borrowers GROUP BY state ORDER BY n DESC LIMIT 1"
    ),
    "Loans with loan amount between 10k and 20k by grade": (
        "SELECT grade, COUNT(*) FROM loans WHERE loan_amount >= 10000 AND loan_amount <= 20000 "
        "GROUP BY grade"
    ),
    "Total loan amount in 2022 and 2023": (
        "SELECT SUM(loan_amount) FROM loans WHERE issue_date BETWEEN '2022-01-01' AND '2023-12-31'"
    ),
    "Loans with an interest rate above 20% by grade": (
        "SELECT grade, COUNT(*) FROM loans WHERE interest_rate > 20 GROUP BY grade"
    ),
}


@pytest.mark.parametrize("question", DEMO_VARIANTS)
def test_everyday_phrasings_on_the_demo(demo_sqlite: QueryTarget, question: str) -> None:
    expected = run_readonly(
        demo_sqlite, DEMO_VARIANTS[question], row_cap=100, timeout_seconds=15
    ).rows
    assert expected
    assert normalise(offline_rows(demo_sqlite, question), False) == normalise(expected, False)


def test_words_in_other_scripts_are_named_whole(shop: QueryTarget) -> None:
    with pytest.raises(Unanswerable, match="'Cuántos', 'pedidos'"):
        offline_rows(shop, "¿Cuántos pedidos por country?")


@pytest.fixture(scope="module")
def sales(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueryTarget]:
    path = tmp_path_factory.mktemp("sales") / "sales.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE regions (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
            "CREATE TABLE sales (id INTEGER PRIMARY KEY, amount NUMERIC NOT NULL,"
            " region_id INTEGER REFERENCES regions (id));"
            "INSERT INTO regions VALUES (1, 'North'), (2, 'South');"
            "INSERT INTO sales VALUES (1, 10, 1), (2, 20, 1), (3, 5, 2);"
        )
    yield from _sqlite_target(path, "sales")


def test_a_column_named_exactly_wins_over_a_table_and_column_reading(sales: QueryTarget) -> None:
    """'region_id' is sales.region_id as written, not regions.id ('region' + 'id')."""
    rows = offline_rows(sales, "total amount by region_id")
    assert normalise(rows, False) == normalise([[1, 30], [2, 5]], False)
