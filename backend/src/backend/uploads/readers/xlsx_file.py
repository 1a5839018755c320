"""Excel workbooks (xlsx) through openpyxl's read-only mode, after the zip itself is checked.

An xlsx is a zip of XML: a small file can declare gigabytes of sheets. Before openpyxl opens it,
the zip's own directory is read and the file refused when its parts declare more than
``MAX_EXPANDED_BYTES`` in all or expand more than ``MAX_EXPANSION_RATIO`` times (``zipfile``
never inflates a part past its declared size, so the declaration is a real bound). XML is parsed
through defusedxml (openpyxl uses it when installed), so entity tricks are refused too.

Values, not formulas: cells are read with the values Excel saved; a formula whose value was
never saved (a workbook written by a script, not opened in Excel) is refused rather than read
as empty. Every non-empty sheet becomes a table, its first non-empty row the header.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from itertools import zip_longest
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from backend.uploads.readers.names import unique_identifiers
from backend.uploads.readers.tables import (
    MAX_EXPANDED_BYTES,
    MAX_EXPANSION_RATIO,
    BadFile,
    ParsedTable,
    check_cell_text,
    check_cells,
    check_width,
    typed_table,
)

MAX_PARTS = 2_000
_RATIO_FLOOR_BYTES = 1_000_000  # tiny parts (styles, an empty sheet) may compress very well


def check_zip(data: bytes) -> None:
    """Refuse a zip that is not an xlsx or would expand past the limits, before inflating it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BadFile("This is not an Excel (.xlsx) file: it is not a valid zip archive.") from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise BadFile(f"This workbook has {len(parts):,} parts; at most {MAX_PARTS:,}.")
        if "xl/workbook.xml" not in archive.namelist():
            raise BadFile("This zip archive is not an Excel (.xlsx) workbook.")
        declared = sum(part.file_size for part in parts)
        if declared > MAX_EXPANDED_BYTES:
            raise BadFile(
                f"This workbook would expand to {declared:,} bytes; at most "
                f"{MAX_EXPANDED_BYTES:,} are accepted."
            )
        for part in parts:
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size > _RATIO_FLOOR_BYTES and ratio > MAX_EXPANSION_RATIO:
                raise BadFile(
                    f"Part {part.filename!r} of this workbook expands {ratio:,.0f} times; it "
                    "looks like a zip bomb and was not opened."
                )


_FORMULA_TAG = re.compile(rb"<(\w+:)?f[\s>/]")


def _cell(sheet: str, column: int, row: int) -> str:
    return f"Sheet {sheet!r} cell {get_column_letter(column)}{row}"


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet holds a formula element, read in chunks (sizes checked already)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as part:
                tail = b""
                while chunk := part.read(1 << 20):
                    if _FORMULA_TAG.search(tail + chunk):
                        return True
                    tail = chunk[-32:]  # a tag cut between two chunks
    return False


def _open(data: bytes, *, data_only: bool) -> Any:
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise _unreadable(error) from None


def _unreadable(error: Exception) -> BadFile:
    return BadFile(
        f"This Excel workbook cannot be read ({type(error).__name__}); open it in Excel, "
        "save it as .xlsx and upload it again."
    )


class _Sheets:
    """Reads the sheets of one workbook, opened twice: once for formulas, once for values."""

    def __init__(self, data: bytes) -> None:
        self.values = _open(data, data_only=True)
        # The second reading only finds formulas; a workbook without any is read once.
        self.formulas = _open(data, data_only=False) if _has_formulas(data) else None
        self.cells = 0

    def close(self) -> None:
        self.values.close()
        if self.formulas is not None:
            self.formulas.close()

    def rows(self, sheet: str) -> Iterator[tuple[Any, ...]]:
        """The sheet's non-empty rows (trailing empty cells dropped), counted against the
        cell limit as they are read; refuses formulas without a saved value and huge text."""
        formulas = self.formulas[sheet].iter_rows() if self.formulas is not None else ()
        pairs = zip_longest(formulas, self.values[sheet].iter_rows(), fillvalue=())
        for number, (formula_row, value_row) in enumerate(pairs, start=1):
            row = [cell.value for cell in value_row]
            for column, value in enumerate(row, start=1):
                if isinstance(value, str):
                    check_cell_text(value, _cell(sheet, column, number))
            for column, cell in enumerate(formula_row, start=1):
                unsaved = column > len(row) or row[column - 1] is None
                if unsaved and getattr(cell, "data_type", None) == "f":
                    raise BadFile(
                        f"{_cell(sheet, column, number)} holds a formula with no saved value; "
                        "open the workbook in Excel and save it (or paste the values) before "
                        "uploading."
                    )
            while row and row[-1] in (None, ""):
                row.pop()
            if row:
                self.cells += len(row)
                check_cells(self.cells, "The workbook")
                yield tuple(row)

    def table(self, name: str, sheet: str) -> ParsedTable | None:
        rows = list(self.rows(sheet))
        if not rows:
            return None
        width = max(len(row) for row in rows)
        check_width(width, f"Sheet {sheet!r}")
        header = ["" if v is None else str(v) for v in rows[0]]
        header += [""] * (width - len(header))
        body = [row + (None,) * (width - len(row)) for row in rows[1:]]
        if not body:
            raise BadFile(f"Sheet {sheet!r} has a header but no rows of data.")
        return typed_table(name, header, body)


def read_xlsx(data: bytes, file_table: str) -> list[ParsedTable]:
    check_zip(data)
    workbook = _Sheets(data)
    try:
        sheets = [
            name
            for name in workbook.values.sheetnames
            if getattr(workbook.values[name], "sheet_state", "visible") == "visible"
        ]
        names = [file_table] if len(sheets) == 1 else unique_identifiers(sheets, "sheet")
        tables = [workbook.table(name, sheet) for sheet, name in zip(sheets, names, strict=True)]
    except BadFile:
        raise
    except Exception as error:  # a damaged sheet fails while it is read, not when opened
        raise _unreadable(error) from None
    finally:
        workbook.close()
    found = [table for table in tables if table is not None]
    if not found:
        raise BadFile("The workbook has no data: every sheet is empty.")
    return found
