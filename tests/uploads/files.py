"""Spreadsheet files built the way their usual writers build them (csv module, openpyxl,
pyarrow), good ones and hostile ones, for the upload tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

# Five sales: North 10.50 + 5.25 + 100 = 115.75, South 20 + 1200 = 1220.
SALES = [
    ("North", "10.50", "2026-01-02", "yes", "007"),
    ("South", "20", "2026-01-05", "no", "123"),
    ("North", "5.25", "2026-02-01", "no", "007"),
    ("South", "1,200", "2026-02-11", "yes", "042"),
    ("North", "100", "2026-03-15", "yes", "007"),
]
TOTALS = [["North", 115.75], ["South", 1220.0]]


def sales_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Region", "Amount", "Sold On", "Paid", "Store Code"])
    writer.writerows(SALES)
    return out.getvalue().encode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM


def _amount(text: str) -> float:
    return float(text.replace(",", ""))


def sales_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sales"
    sheet.append(["Region", "Amount", "Sold On", "Units"])
    for n, (region, amount, sold_on, _, _) in enumerate(SALES, start=1):
        sheet.append([region, _amount(amount), dt.datetime.fromisoformat(sold_on), n])
    targets = book.create_sheet("Targets")
    targets.append(["Region", "Target"])
    targets.append(["North", 100])
    targets.append(["South", 1000])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sales_parquet() -> bytes:
    table = pa.table(
        {
            "region": [s[0] for s in SALES],
            "amount": pa.array([_amount(s[1]) for s in SALES], pa.float64()),
            "sold_on": [dt.date.fromisoformat(s[2]) for s in SALES],
            "paid": [s[3] == "yes" for s in SALES],
            "units": pa.array([1, 2, 3, 4, 5], pa.int32()),
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def formula_without_value_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["amount", "double"])
    sheet.append([1, "=A2*2"])  # openpyxl saves the formula, never a computed value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewritten(workbook: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one zip part's bytes changed, as a hostile writer would."""
    good = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as changed:
        for item in good.infolist():
            data = good.read(item)
            changed.writestr(item.filename, change(data) if item.filename == part else data)
    return out.getvalue()


def zip_bomb_xlsx() -> bytes:
    """A real workbook whose sheet part inflates from ~50 KB to 50 MB."""
    return _rewritten(sales_xlsx(), "xl/worksheets/sheet1.xml", lambda xml: xml + b" " * 50_000_000)


def huge_cell_xlsx() -> bytes:
    """A 40,000-character cell (openpyxl itself would cut it to Excel's 32,767 on saving)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["note"])
    sheet.append(["PLACEHOLDER"])
    out = io.BytesIO()
    book.save(out)
    grow = lambda xml: xml.replace(b"PLACEHOLDER", b"x" * 40_000)  # noqa: E731
    return _rewritten(out.getvalue(), "xl/worksheets/sheet1.xml", grow)


def nested_parquet() -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.table({"tags": [["a", "b"], ["c"]]}), out)
    return out.getvalue()


def empty_sheet_xlsx() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


# (file name, content, words the refusal must contain)
BAD_FILES: list[tuple[str, bytes, str]] = [
    ("utf16.csv", "region,amount\nNorth,1\n".encode("utf-16"), "UTF-16"),
    ("cp1252.csv", b"region,note\nNorth,\x93quoted\x94\n", "neither UTF-8 nor Latin-1"),
    ("ragged.csv", b"region,amount\nNorth,1\nSouth\n", "Row 3 has 1 values"),
    ("huge.csv", b"note\n" + b"x" * 40_000 + b"\n", "32,767"),
    ("empty.csv", b"", "empty"),
    ("header-only.csv", b"region,amount\n", "no rows"),
    ("formula.xlsx", formula_without_value_xlsx(), "formula with no saved value"),
    ("bomb.xlsx", zip_bomb_xlsx(), "zip bomb"),
    ("huge.xlsx", huge_cell_xlsx(), "32,767"),
    ("blank.xlsx", empty_sheet_xlsx(), "every sheet is empty"),
    ("fake.xlsx", b"PK\x03\x04 not really a zip", "not a valid zip"),
    ("old.xls", b"\xd0\xcf\x11\xe0 old excel", ".xls"),
    ("damaged.parquet", b"PAR1 damaged PAR1", "not a readable Parquet"),
    ("nested.parquet", nested_parquet(), "not supported"),
    ("notes.docx", b"hello", ".csv, .xlsx or .parquet"),
]
