"""Numbers as an executive reads them, from the backend's column hints (``Answer.formats``):
money with its symbol, percentages with %, counts with separators, dates as dates. Raw values
stay raw everywhere else (the CSV, the API)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from contract.ask import Answer, ColumnFormat

NUMERIC = frozenset({"currency", "percent", "count", "number"})


def cell_text(value: Any, fmt: ColumnFormat | None) -> str:
    if value is None:
        return ""
    if fmt is None or isinstance(value, bool) or not isinstance(value, int | float):
        if fmt is not None and fmt.kind == "date" and isinstance(value, str):
            return value.replace("T", " ")[:16].removesuffix(" 00:00")
        return str(value)
    if fmt.kind == "count":
        return f"{round(value):,}"
    if fmt.kind not in NUMERIC:
        return str(value)
    number = f"{abs(value):,.{fmt.decimals}f}"
    sign = "-" if value < 0 else ""
    if fmt.kind == "currency":
        return f"{sign}{fmt.unit or ''}{number}"
    if fmt.kind == "percent":
        return f"{sign}{number}%"
    return f"{sign}{number} {fmt.unit}" if fmt.unit else f"{sign}{number}"


def formats_of(answer: Answer) -> list[ColumnFormat | None]:
    known = {fmt.name: fmt for fmt in answer.formats}
    return [known.get(name) for name in answer.columns]


def headers(answer: Answer) -> list[str]:
    return [
        fmt.label if fmt else name
        for name, fmt in zip(answer.columns, formats_of(answer), strict=True)
    ]


def table_value(answer: Answer, rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """A Dataframe value: raw data (what sorting uses) with formatted display values and numbers
    right-aligned."""
    found = formats_of(answer)
    display = [[cell_text(v, f) for v, f in zip(row, found, strict=True)] for row in rows]
    align = ["text-align: right" if f and f.kind in NUMERIC else "" for f in found]
    return {
        "headers": headers(answer),
        "data": [list(row) for row in rows],
        "metadata": {"display_value": display, "styling": [align for _ in rows]},
    }


def single_number(answer: Answer) -> str | None:
    """A one-number answer as a big-number card (HTML, every value escaped), else None."""
    found = formats_of(answer)
    if len(answer.rows) != 1 or len(answer.columns) != 1 or not found[0]:
        return None
    if found[0].kind not in NUMERIC:
        return None
    value = html.escape(cell_text(answer.rows[0][0], found[0]))
    label = html.escape(found[0].label)
    return (
        f'<div class="big-number"><div class="value">{value}</div>'
        f'<div class="label">{label}</div></div>'
    )
