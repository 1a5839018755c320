"""Introspection reads the same facts from PostgreSQL and SQLite.

Contract: ``introspect(engine, *, dialect, db_schema=None) -> SchemaInfo`` with kinds normalised to
``ColumnInfo.kind``, primary and foreign keys, row estimates (``pg_class.reltuples`` on
PostgreSQL) and the values of low-cardinality text columns, most frequent first.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
from backend.targets.introspect import LOW_CARDINALITY, introspect
from backend.targets.schema_info import SchemaInfo
from backend.targets.target import QueryTarget
from sqlalchemy import create_engine

from tests.conftest import to_sqlalchemy

SHOP = [
    "CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, region varchar(20), "
    "vip boolean, joined date)",
    "CREATE TABLE orders (order_id bigint PRIMARY KEY, customer_id integer NOT NULL "
    "REFERENCES customers (id), total numeric(10,2), placed_at timestamp, note text)",
]


def shop_rows() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    regions = ["north"] * 5 + ["south"] * 3 + ["east"]
    customers: list[tuple[object, ...]] = [
        (i, f"customer {i}", regions[i % len(regions)], i % 2 == 0, "2024-01-0" + str(1 + i % 9))
        for i in range(1, 101)
    ]
    orders: list[tuple[object, ...]] = [
        (i, 1 + i % 100, i * 1.5, "2024-02-01 10:00:00", f"free text {i}") for i in range(1, 301)
    ]
    return customers, orders


def assert_shop(info: SchemaInfo) -> None:
    customers = info.table("customers")
    orders = info.table("orders")
    assert customers is not None
    assert orders is not None
    kinds = {c.name: c.kind for c in customers.columns + orders.columns}
    assert kinds == {
        "id": "integer", "name": "text", "region": "text", "vip": "boolean", "joined": "date",
        "order_id": "integer", "customer_id": "integer", "total": "number",
        "placed_at": "timestamp", "note": "text",
    }  # fmt: skip
    assert [c.name for c in customers.columns if c.primary_key] == ["id"]
    assert orders.foreign_keys[0].columns == ("customer_id",)
    assert orders.foreign_keys[0].ref_table == "customers"
    assert orders.foreign_keys[0].ref_columns == ("id",)
    region = customers.column("region")
    name = customers.column("name")
    assert region is not None
    assert name is not None
    assert region.samples[0] == "north"  # most frequent first
    assert set(region.samples) == {"north", "south", "east"}
    assert name.samples == ()  # 100 distinct names: free text, not a category
    assert LOW_CARDINALITY < 100
    assert customers.row_estimate == 100
    assert orders.row_estimate == 300
    assert SchemaInfo.from_dict(info.to_dict()) == info


def test_postgres(pg_url: str) -> None:
    customers, orders = shop_rows()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA shop")
        conn.execute("SET search_path = shop")
        for statement in SHOP:
            conn.execute(statement)
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO customers VALUES (%s, %s, %s, %s, %s)", customers)
            cur.executemany("INSERT INTO orders VALUES (%s, %s, %s, %s, %s)", orders)
        conn.execute("ANALYZE customers")
        conn.execute("ANALYZE orders")
    engine = create_engine(to_sqlalchemy(pg_url))
    try:
        info = introspect(engine, dialect="postgres", db_schema="shop")
    finally:
        engine.dispose()
    assert info.dialect == "postgres"
    assert {t.name for t in info.tables} == {"customers", "orders"}
    assert_shop(info)


def test_sqlite(tmp_path: Path) -> None:
    customers, orders = shop_rows()
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as conn:
        for statement in SHOP:
            conn.execute(statement)
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", customers)
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", orders)
    engine = create_engine(f"sqlite:///{path}")
    try:
        info = introspect(engine, dialect="sqlite")
    finally:
        engine.dispose()
    assert_shop(info)


def test_demo_schema_matches_on_both_dialects(
    pg_demo: QueryTarget, demo_sqlite: QueryTarget
) -> None:
    def shape(info: SchemaInfo) -> dict[str, object]:
        return {
            t.name: ([(c.name, c.kind, c.samples) for c in t.columns], t.foreign_keys)
            for t in info.tables
        }

    assert shape(pg_demo.schema_info) == shape(demo_sqlite.schema_info)
    loans = pg_demo.schema_info.table("loans")
    assert loans is not None
    grade = loans.column("grade")
    assert grade is not None
    assert sorted(grade.samples) == list("ABCDEFG")
    assert loans.row_estimate == 50_000


def test_sampling_stops_when_its_budget_is_spent(pg_url: str) -> None:
    """Hundreds of large tables must not make a scan take hours: past the budget, no samples."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE colours (id int PRIMARY KEY, name text)")
        conn.execute("INSERT INTO colours VALUES (1, 'red'), (2, 'blue')")
    engine = create_engine(to_sqlalchemy(pg_url))
    try:
        full = introspect(engine, dialect="postgres")
        none = introspect(engine, dialect="postgres", sample_budget_seconds=0)
    finally:
        engine.dispose()
    full_table, bare_table = full.table("colours"), none.table("colours")
    assert full_table is not None
    assert bare_table is not None
    full_name = full_table.column("name")
    assert full_name is not None
    assert set(full_name.samples) == {"blue", "red"}
    bare_name = bare_table.column("name")
    assert bare_name is not None
    assert bare_name.samples == ()
    assert bare_name.kind == "text"


def test_views_are_listed_like_tables(tmp_path: Path, pg_url: str) -> None:
    """A view is something an analyst may query: it is described, with its columns."""
    statements = [
        "CREATE TABLE sales (id integer PRIMARY KEY, region text, amount numeric(8,2))",
        "INSERT INTO sales VALUES (1, 'north', 10), (2, 'south', 20), (3, 'north', 5)",
        "CREATE VIEW sales_by_region AS SELECT region, SUM(amount) AS total FROM sales "
        "GROUP BY region",
    ]
    path = tmp_path / "views.sqlite"
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
    for url, dialect in ((f"sqlite:///{path}", "sqlite"), (to_sqlalchemy(pg_url), "postgres")):
        engine = create_engine(url)
        try:
            info = introspect(engine, dialect=dialect)
        finally:
            engine.dispose()
        view = info.table("sales_by_region")
        assert view is not None, dialect
        assert [c.name for c in view.columns] == ["region", "total"]
        region = view.column("region")
        assert region is not None
        assert set(region.samples) == {"north", "south"}
