"""The schema a model sees: whole when small; on large schemas the relevant tables, their
foreign-key neighbours and sampled values, within the token budget."""

from __future__ import annotations

from backend.engines.schema_context import build_context, estimate_tokens
from backend.targets.schema_info import ColumnInfo, ForeignKeyInfo, SchemaInfo, TableInfo
from backend.targets.target import QueryTarget


def _filler_table(index: int) -> TableInfo:
    columns = tuple(ColumnInfo(f"metric_{index}_{n}", "number", "numeric") for n in range(12))
    return TableInfo(
        f"audit_log_{index}", (ColumnInfo("id", "integer", "integer", primary_key=True), *columns)
    )


def _big_schema() -> SchemaInfo:
    invoices = TableInfo(
        "invoices",
        (
            ColumnInfo("invoice_id", "integer", "integer", primary_key=True),
            ColumnInfo("client_id", "integer", "integer"),
            ColumnInfo("total_due", "number", "numeric"),
            ColumnInfo("state", "text", "text", samples=("paid", "overdue", "void")),
        ),
        (ForeignKeyInfo(("client_id",), "clients", ("client_id",)),),
    )
    clients = TableInfo(
        "clients",
        (
            ColumnInfo("client_id", "integer", "integer", primary_key=True),
            ColumnInfo("region", "text", "text", samples=("north", "south")),
        ),
    )
    return SchemaInfo("postgres", (invoices, clients, *(_filler_table(i) for i in range(200))))


def test_small_schemas_go_in_whole(demo_sqlite: QueryTarget) -> None:
    text = build_context(demo_sqlite.enabled_schema(), "anything")
    assert "TABLE loans" in text
    assert "TABLE borrowers" in text
    assert "borrower_id integer -> borrowers.borrower_id" in text.replace("INTEGER", "integer")
    assert "'Charged Off'" in text  # sampled values of low-cardinality columns


def test_large_schemas_keep_relevant_tables_and_their_neighbours_within_budget() -> None:
    schema = _big_schema()
    whole = build_context(schema, "x", budget_tokens=10**9)
    assert estimate_tokens(whole) > 8000

    text = build_context(schema, "total overdue invoices by region", budget_tokens=800)
    assert estimate_tokens(text) <= 800
    assert "TABLE invoices" in text
    assert "TABLE clients" in text  # linked by a foreign key, and named by 'region'
    assert "'overdue'" in text
    assert "less relevant tables not shown" in text


def test_a_neighbour_comes_along_even_when_the_question_does_not_name_it() -> None:
    text = build_context(_big_schema(), "overdue invoices", budget_tokens=600)
    assert "TABLE clients" in text
    assert "-> clients.client_id" in text
