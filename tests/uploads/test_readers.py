"""The file readers on their own: kinds inferred from values, names made safe, and the checks
that refuse a file before it is inflated or loaded.

Contract: ``backend.uploads.readers.formats.read_tables`` returns typed tables or raises
``BadFile`` (a 422) whose message says what to fix.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from backend.uploads.readers.formats import read_tables
from backend.uploads.readers.kinds import column_kind
from backend.uploads.readers.names import identifier, unique_identifiers
from backend.uploads.readers.tables import BadFile

from tests.uploads.files import BAD_FILES, sales_csv, sales_parquet, sales_xlsx, zip_bomb_xlsx


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["1", "-2", "", "300"], "integer"),
        (["007", "12"], "text"),  # codes keep their zeros
        (["1.5", "1,200", "3"], "number"),
        (["1,5", "2"], "text"),  # a decimal comma is not guessed
        (["2026-01-31", "2026-02-01"], "date"),
        (["2026-01-31", "2026-02-01 10:30"], "timestamp"),
        (["03/04/2026"], "text"),  # March or April: not guessed
        (["yes", "No", "TRUE"], "boolean"),
        (["1", "yes"], "text"),
        ([None, ""], "text"),
        ([1, 2.5], "number"),
        ([dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2, 9)], "timestamp"),
        ([True, False], "boolean"),
        ([float("nan")], "text"),
    ],
)
def test_a_column_takes_the_most_specific_kind_its_values_allow(
    values: list[object], kind: str
) -> None:
    assert column_kind(values) == kind


def test_names_are_plain_identifiers() -> None:
    assert identifier('"; DROP TABLE users; --', "column") == "drop_table_users"
    assert identifier("<script>alert(1)</script>", "column") == "script_alert_1_script"
    assert identifier("Café Ümsatz €", "column") == "cafe_umsatz"
    assert identifier("2026 revenue", "column") == "column_2026_revenue"
    assert identifier("🙂", "column_3") == "column_3"
    assert len(identifier("x" * 300, "column")) == 63
    assert unique_identifiers(["Amount", "amount", "AMOUNT", ""], "column") == [
        "amount",
        "amount_2",
        "amount_3",
        "column_4",
    ]


def test_the_same_sales_read_alike_from_each_format() -> None:
    csv_table = read_tables("Sales.csv", sales_csv())[1][0]
    xlsx_table = read_tables("Sales.xlsx", sales_xlsx())[1][0]
    parquet_table = read_tables("Sales.parquet", sales_parquet())[1][0]
    for table in (csv_table, xlsx_table, parquet_table):
        assert table.name == "sales"
        assert [(c.name, c.kind) for c in table.columns[:3]] == [
            ("region", "text"),
            ("amount", "number"),
            ("sold_on", "date"),
        ]
        assert [row[:3] for row in table.rows][3] == (
            "South",
            Decimal("1200"),
            dt.date(2026, 2, 11),
        )


def test_a_latin1_csv_is_read_and_delimiters_are_sniffed() -> None:
    _, [table] = read_tables("caf.csv", "ville;montant\nMontréal;12\nQuébec;7\n".encode("latin-1"))
    assert [c.name for c in table.columns] == ["ville", "montant"]
    assert table.rows == [("Montréal", 12), ("Québec", 7)]


def test_a_zip_bomb_is_refused_from_its_directory_alone() -> None:
    with pytest.raises(BadFile, match="zip bomb"):
        read_tables("bomb.xlsx", zip_bomb_xlsx())


def test_a_file_whose_content_is_not_its_extension_is_refused() -> None:
    with pytest.raises(BadFile, match="content is not parquet"):
        read_tables("sales.parquet", sales_csv())


@pytest.mark.parametrize(("file_name", "data", "reason"), BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_each_bad_file_is_refused_with_its_reason(file_name: str, data: bytes, reason: str) -> None:
    with pytest.raises(BadFile) as refused:
        read_tables(file_name, data)
    assert reason in refused.value.detail
