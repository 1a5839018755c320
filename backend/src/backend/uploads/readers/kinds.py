"""Column kinds read from the values themselves, and each value turned into its kind.

A column takes the most specific kind every non-empty value allows (boolean, integer, number,
date, timestamp), and text otherwise. Text is recognised conservatively: integers with leading
zeros (postcodes, ids) stay text, dates only in ISO form (``2026-03-31``, so 03/04 is never
guessed as March or April), numbers with ``.`` as the decimal mark and optional ``,`` thousands.
Native values from xlsx and Parquet (numbers, dates, booleans) keep their own kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Kind = Literal["boolean", "integer", "number", "date", "timestamp", "text"]
ORDER: tuple[Kind, ...] = ("boolean", "integer", "number", "date", "timestamp", "text")
INT64 = 2**63 - 1

_TRUE = {"true", "yes"}
_FALSE = {"false", "no"}
_INTEGER = re.compile(r"[+-]?(0|[1-9]\d{0,18})")
_NUMBER = re.compile(r"[+-]?([1-9]\d{0,2}(,\d{3})+|[1-9]\d*|0)?(\.\d+)?([eE][+-]?\d{1,3})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?"
)


def _text_kinds(text: str) -> set[Kind]:
    lowered = text.strip().lower()
    if lowered in _TRUE or lowered in _FALSE:
        return {"boolean", "text"}
    if _INTEGER.fullmatch(lowered) and abs(int(lowered)) <= INT64:
        return {"integer", "number", "text"}
    if any(c.isdigit() for c in lowered) and _NUMBER.fullmatch(lowered):
        return {"number", "text"}
    if _ISO_DATE.fullmatch(lowered) and _date(lowered) is not None:
        return {"date", "timestamp", "text"}
    if _ISO_TIMESTAMP.fullmatch(lowered) and _timestamp(lowered) is not None:
        return {"timestamp", "text"}
    return {"text"}


def value_kinds(value: Any) -> set[Kind]:
    """Every kind ``value`` could be stored as (text always among them)."""
    if isinstance(value, str):
        return _text_kinds(value)
    if isinstance(value, bool):
        return {"boolean", "text"}
    if isinstance(value, int):
        return {"integer", "number", "text"} if abs(value) <= INT64 else {"number", "text"}
    if isinstance(value, float | Decimal):
        if value != value or value in (float("inf"), float("-inf")):
            return {"text"}
        return {"number", "text"}
    if isinstance(value, datetime):
        midnight = value.time() == time(0) and value.tzinfo is None
        return {"date", "timestamp", "text"} if midnight else {"timestamp", "text"}
    if isinstance(value, date):
        return {"date", "timestamp", "text"}
    return {"text"}


def column_kind(values: Iterable[Any]) -> Kind:
    """The most specific kind all non-empty ``values`` allow; text for an empty column."""
    allowed: set[Kind] | None = None
    for value in values:
        if value is None or value == "":
            continue
        allowed = value_kinds(value) if allowed is None else allowed & value_kinds(value)
        if allowed == {"text"}:
            return "text"
    if not allowed:
        return "text"
    return next(kind for kind in ORDER if kind in allowed)


def convert(value: Any, kind: Kind) -> Any:
    """``value`` as a Python value of ``kind`` (``column_kind`` chose a kind it allows)."""
    if value is None or value == "":
        return None
    if kind == "text":
        return _as_text(value)
    if kind == "boolean":
        return value if isinstance(value, bool) else value.strip().lower() in _TRUE
    if kind == "integer":
        return int(value) if not isinstance(value, str) else int(value.strip())
    if kind == "number":
        return _number(value)
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else _date(value.strip())
    if isinstance(value, datetime):
        return _naive_utc(value)
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    return _timestamp(value.strip())


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _number(value: Any) -> Decimal:
    if isinstance(value, str):
        return Decimal(value.strip().replace(",", ""))
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _timestamp(text: str) -> datetime | None:
    try:
        return _naive_utc(datetime.fromisoformat(text.upper().replace(" ", "T", 1)))
    except (ValueError, InvalidOperation):
        return None


def _naive_utc(moment: datetime) -> datetime:
    """Timestamps are stored without a zone: ones that carry an offset are moved to UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
