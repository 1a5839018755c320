"""Database values as JSON-safe values, capped in bytes as they are read (per cell and per
result), so a query built to return gigabytes stops at the cap and says ``truncated``."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

FIRST_BATCH = 16
MAX_BATCH = 1000
Fetch = Callable[[int], Sequence[Sequence[Any]]]  # fetchmany: up to n more rows

JsonScalar = str | int | float | bool | None


@dataclass(frozen=True)
class ByteCaps:
    """Most UTF-8 bytes one text value, and all values of one result, may take."""

    cell: int = 10_000
    total: int = 5_000_000


QUESTION_CAPS = ByteCaps()  # the settings' defaults; callers pass the configured ones
EXPORT_CAPS = ByteCaps(total=50_000_000)


class CappedReader:
    """Rows in growing batches (one huge row cannot come with a thousand more), within caps."""

    def __init__(self, fetch: Fetch, row_cap: int, caps: ByteCaps) -> None:
        self._fetch = fetch
        self._row_cap = row_cap
        self._caps = caps
        self.truncated = False

    def rows(self) -> Iterator[list[JsonScalar]]:
        taken = used = 0
        size = FIRST_BATCH
        while True:
            batch = self._fetch(min(size, self._row_cap + 1 - taken))
            if not batch:
                return
            for raw in batch:
                row, row_bytes, cut = capped_row(raw, self._caps.cell)
                if taken == self._row_cap or used + row_bytes > self._caps.total:
                    self.truncated = True
                    return
                self.truncated = self.truncated or cut
                taken += 1
                used += row_bytes
                yield row
            size = min(size * 2, MAX_BATCH)


def capped_row(raw: Sequence[Any], cell_cap: int) -> tuple[list[JsonScalar], int, bool]:
    """The JSON-safe row, its size in bytes (text in UTF-8, 8 per other value), and if cut.

    One pass per row, exact types first: a CSV export converts millions of values."""
    row: list[JsonScalar] = []
    size, cut = 0, False
    for original in raw:
        value = original if type(original) is str else json_value(original)
        if not isinstance(value, str):
            size += 8
        elif value.isascii() and len(value) <= cell_cap:  # bytes == characters
            size += len(value)
        else:
            encoded = value[:cell_cap].encode()
            if len(encoded) > cell_cap or len(value) > cell_cap:
                value = encoded[:cell_cap].decode(errors="ignore") + "…"
                encoded, cut = encoded[:cell_cap], True
            size += len(encoded)
        row.append(value)
    return row, size, cut


def json_value(value: Any) -> JsonScalar:
    """One database value as something ``json.dumps`` accepts and a person reads the same way."""
    kind = type(value)
    if kind in _AS_IS:
        return value  # type: ignore[no-any-return]
    convert = _BY_TYPE.get(kind)
    return convert(value) if convert is not None else _by_isinstance(value)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _decimal(value: Decimal) -> float | None:
    return _finite(float(value))


def _binary(value: memoryview | bytes | bytearray) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _as_json_text(value: Any) -> str:  # arrays and json(b): shown as JSON text
    return json.dumps(value, default=str, ensure_ascii=False)


def _by_isinstance(value: Any) -> JsonScalar:
    """Subclasses of the types below (an ``IntEnum``, a ``str`` subclass) and anything else."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, memoryview | bytes | bytearray):
        return _binary(value)
    if isinstance(value, list | tuple | dict):
        return _as_json_text(value)
    return str(value)


_AS_IS: frozenset[type] = frozenset({str, int, bool, type(None)})
_BY_TYPE: dict[type, Callable[[Any], JsonScalar]] = {
    float: _finite,
    Decimal: _decimal,
    dt.datetime: dt.datetime.isoformat,
    dt.date: dt.date.isoformat,
    dt.time: dt.time.isoformat,
    dt.timedelta: str,
    memoryview: _binary,
    bytes: _binary,
    bytearray: _binary,
    list: _as_json_text,
    tuple: _as_json_text,
    dict: _as_json_text,
}


def json_row(row: Sequence[Any]) -> list[JsonScalar]:
    return [json_value(value) for value in row]
