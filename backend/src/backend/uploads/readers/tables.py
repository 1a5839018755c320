"""What a reader hands over: tables of typed values, and the limits every reader keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from backend.core.errors import InvalidInput
from backend.uploads.readers.kinds import Kind

# Excel's own ceiling for one cell; a longer value is not spreadsheet data.
MAX_CELL_CHARS = 32_767
# Every value is held in memory while the file is checked and loaded.
MAX_CELLS = 2_000_000
MAX_COLUMNS = 500
# What the compressed formats (xlsx, Parquet) may expand to, and by how much per part.
MAX_EXPANDED_BYTES = 200_000_000
MAX_EXPANSION_RATIO = 200


class BadFile(InvalidInput):
    """The file cannot become tables as it is; the detail tells the user what to fix."""

    code = "bad_file"


@dataclass(frozen=True)
class ParsedColumn:
    name: str  # a sanitised identifier, unique within its table
    kind: Kind


@dataclass(frozen=True)
class ParsedTable:
    name: str  # a sanitised identifier, unique within the upload
    columns: tuple[ParsedColumn, ...]
    rows: list[tuple[Any, ...]]  # Python values of each column's kind, or None


def check_cells(cells: int, where: str) -> None:
    if cells > MAX_CELLS:
        raise BadFile(
            f"{where} has more than {MAX_CELLS:,} cells, more than an upload may hold; "
            "split it or keep only the columns you need."
        )


def check_width(width: int, where: str) -> None:
    if width > MAX_COLUMNS:
        raise BadFile(f"{where} has {width} columns; at most {MAX_COLUMNS} are accepted.")


def check_cell_text(text: str, where: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise_huge_cell(where)
    if "\x00" in text:
        raise BadFile(f"{where} holds a NUL character, which text cannot contain.")


def raise_huge_cell(where: str) -> NoReturn:
    raise BadFile(
        f"{where} holds a value longer than {MAX_CELL_CHARS:,} characters, Excel's own limit "
        "for a cell."
    )


def typed_table(name: str, header: list[str], rows: list[Any]) -> ParsedTable:
    """A table from a header and raw rows: columns named from the header, kinds from the values.

    ``rows`` is converted in place (each raw row replaced by its typed one), so a large file is
    held in memory once, not twice.
    """
    from backend.uploads.readers.kinds import column_kind, convert
    from backend.uploads.readers.names import unique_identifiers

    names = unique_identifiers(header, "column")
    kinds = [column_kind(row[i] for row in rows) for i in range(len(names))]
    for position, row in enumerate(rows):
        rows[position] = tuple(convert(v, kind) for v, kind in zip(row, kinds, strict=True))
    columns = tuple(ParsedColumn(n, k) for n, k in zip(names, kinds, strict=True))
    return ParsedTable(name, columns, rows)
