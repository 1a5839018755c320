"""A past answer as CSV, built when the user asks for it: the stored SQL runs again through the
same guard and read-only executor (with the connection's current table choices), streamed.

Cells a spreadsheet would run as formulas get a leading quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from backend.safety.executor import JsonScalar

# Spreadsheets run a text cell as a formula when its first non-blank character is one of these
# (full-width forms too) and leading blanks or line breaks do not stop them; such cells, the
# header's included, get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_BLANKS = " \t\r\n\u00a0\u3000"
_RISKY_FIRST = frozenset(_FORMULA_STARTS) | frozenset(_BLANKS)  # anything else is safe as is
_FLUSH_EVERY = 500


def _cell(value: JsonScalar) -> JsonScalar:
    if not isinstance(value, str) or value[:1] not in _RISKY_FIRST:
        return value
    if value[:1] in ("\t", "\r", "\n") or value.lstrip(_BLANKS).startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(header: list[JsonScalar], rows: Iterator[list[JsonScalar]]) -> Iterator[str]:
    """The header and rows as CSV text, in chunks (memory stays flat)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_cell(v) for v in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(v) for v in row])
        if count % _FLUSH_EVERY == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
