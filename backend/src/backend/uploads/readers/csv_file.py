"""CSV with the standard library's reader: UTF-8 (with or without BOM) or Latin-1 text, the
delimiter sniffed among ``, ; tab |``, the first row the header, every row as wide as it."""

from __future__ import annotations

import csv
import io
import re

from backend.uploads.readers.tables import (
    MAX_CELL_CHARS,
    BadFile,
    ParsedTable,
    check_cells,
    check_width,
    raise_huge_cell,
    typed_table,
)

SNIFF_BYTES = 64 * 1024
# C0 controls other than tab/newline, and the C1 range: in text that is not UTF-8, they mean
# another encoding (UTF-16's NULs, Windows-1252's curly quotes), not Latin-1.
_NOT_LATIN1_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) or, failing that, Latin-1 text with no control characters."""
    if data.startswith(_UTF16_BOMS):
        raise BadFile("This file is UTF-16 text; save it as “CSV UTF-8” and upload it again.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        if _NOT_LATIN1_TEXT.search(text):
            raise BadFile(
                "This file is neither UTF-8 nor Latin-1 text; save it as “CSV UTF-8” and "
                "upload it again."
            ) from None
        return text
    if "\x00" in text:
        raise BadFile("This file contains NUL characters; it is not CSV text.")
    return text


def _delimiter(sample: str) -> str:
    """Only the delimiter is sniffed: quoting is always RFC 4180's double quotes (the sniffer
    would take a text full of apostrophes for single-quoted)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","  # one column, or nothing to tell


def read_csv(data: bytes, table_name: str) -> list[ParsedTable]:
    text = decode(data)
    if not text.strip():
        raise BadFile("The file is empty.")
    reader = csv.reader(
        io.StringIO(text, newline=""), "excel", delimiter=_delimiter(text[:SNIFF_BYTES])
    )
    rows: list[list[str]] = []
    cells = 0
    try:
        for row in reader:
            if row:  # blank lines carry no data
                cells += len(row)
                check_cells(cells, "The file")  # while reading: memory stays bounded
                rows.append(row)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise_huge_cell(f"Line {reader.line_num}")
        raise BadFile(f"Line {reader.line_num} is not valid CSV: {error}.") from None
    header, body = rows.pop(0), rows
    check_width(len(header), "The header")
    if not body:
        raise BadFile("The file has a header but no rows of data.")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise BadFile(
                f"Row {number} has {len(row)} values but the header has {len(header)} columns; "
                "every row must have one value per column."
            )
        if max(map(len, row), default=0) > MAX_CELL_CHARS:  # NUL was refused with the text
            raise_huge_cell(f"Row {number}")
    return [typed_table(table_name, header, body)]
