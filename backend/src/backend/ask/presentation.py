"""How a result reads to people: each column's display kind (currency, percent, count, number,
date, period, text), a human label, and the order a bar chart's categories go in.

Inferred in one place from the column's values, its name and the query that made it (the
alias of ``COUNT(…)`` is a count; ``AVG(loan_amount)`` is money because ``loan_amount`` is), so
the table, the chart and the CSV header agree. The database may say otherwise: a column comment
naming a currency ("EUR", "amount in £") or a unit ("unit: kg") is taken at its word. Raw values
are never changed: formatting is the page's job, from these hints. ``Kept`` is what history
stores of an answer's presentation, so a past answer opens as it was shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from contract.ask import Chart, ColumnFormat, DisplayKind
from contract.base import ApiModel
from pydantic import Field

from backend.engines.commentary import pretty
from backend.targets.schema_info import SchemaInfo

CURRENCY_SYMBOL = "$"
_CURRENCY_CODES = {
    "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹", "KRW": "₩",
    "CHF": "CHF", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "SEK": "kr", "NOK": "kr", "DKK": "kr",
    "PLN": "zł", "BRL": "R$", "MXN": "MX$", "ZAR": "R", "TRY": "₺", "ILS": "₪", "SGD": "S$",
}  # fmt: skip
_CURRENCY_IN_COMMENT = re.compile(
    r"\b(" + "|".join(_CURRENCY_CODES) + r")\b|([$€£¥₹₩₺₪])", re.IGNORECASE
)
# Letters, digits and measure signs only: a unit is shown beside numbers, never markup.
_UNIT_IN_COMMENT = re.compile(r"\bunits?\s*[:=]\s*([\w°µ%‰/²³]{1,8})", re.IGNORECASE)
_MONEY = re.compile(
    r"(amount|amnt|amt|income|price|cost|revenue|sales|salary|balance|payment|installment"
    r"|spend|fee|budget|profit|earnings|wage|loan_value|gross|net_worth)",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"(^|_)(pct|percent|percentage)($|_)|(^|_)rate($|_)|_pct$|^dti$", re.I)
_COUNT = re.compile(r"(^|_)(count|cnt|num|number_of|n)($|_)|^(loans|rows|records)$", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?.*)?$")
_PERIOD = re.compile(r"^\d{4}(-(\d{2}|Q[1-4]|W\d{2}))?$")
_PERIOD_NAMES = {"year", "month", "quarter", "week", "day", "period"}
# Numbers that name something rather than measure it: shown as written, no separators.
_IDENTIFIER = re.compile(r"(^|_)(id|code|zip|zipcode|postcode|phone|number)$|Id$|ID$", re.I)
# Words a category column's values can be ordered by: codes, ranges, sizes, months.
_ORDINAL_VALUE = re.compile(r"^([A-Z]\d?|\d.*|[<>≤≥].*|.*\d+\+?\s*(years?|months?|days?).*)$")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _aggregates(sql: str | None) -> dict[str, tuple[str, str | None]]:
    """Output column → (aggregate, the column it aggregates) for the query's select list.

    The tree is the guard's own (the SQL shown is the text it regenerated), parsed again only
    when the guard no longer holds it.
    """
    if not sql:
        return {}
    from sqlglot import exp, parse_one
    from sqlglot.errors import SqlglotError

    from backend.safety.guard import checked_tree

    tree = checked_tree(sql)
    if tree is None:
        try:
            tree = parse_one(sql)
        except SqlglotError:
            return {}
    found: dict[str, tuple[str, str | None]] = {}
    for projection in getattr(tree, "expressions", []):
        if not isinstance(projection, exp.Expression):
            continue
        name = projection.alias_or_name
        func = next(iter(projection.find_all(exp.AggFunc)), None)
        if func is None:
            continue
        column = next(iter(func.find_all(exp.Column)), None)
        found[name] = (func.key, column.name if column is not None else None)
    return found


Unit = tuple[DisplayKind, str]  # ("currency", "€") or ("number", "kg"), from a column comment


def unit_in_comment(comment: str) -> Unit | None:
    """The currency or unit a column comment names, if it names exactly one."""
    unit = _UNIT_IN_COMMENT.search(comment)
    if unit:
        return "number", unit.group(1)
    found = {
        _CURRENCY_CODES[m.group(1).upper()] if m.group(1) else m.group(2)
        for m in _CURRENCY_IN_COMMENT.finditer(comment)
        if m.group(2) or m.group(1).isupper()  # "eur" in prose is not a currency code
    }
    return ("currency", found.pop()) if len(found) == 1 else None


def declared_units(schema: SchemaInfo) -> dict[str, Unit]:
    """Column name → the unit its comment declares, where every table that has a column of
    that name and a unit agrees on it."""
    units: dict[str, set[Unit]] = {}
    for table in schema.tables:
        for column in table.columns:
            unit = unit_in_comment(column.comment) if column.comment else None
            if unit is not None:
                units.setdefault(column.name, set()).add(unit)
    return {name: found.pop() for name, found in units.items() if len(found) == 1}


def _numeric_kind(name: str, source: tuple[str, str | None] | None) -> DisplayKind:
    aggregate, column = source if source else ("", None)
    if _PERCENT.search(name):
        return "percent"
    if aggregate == "count":
        return "count"
    words = f"{name} {column or ''}"
    if column and _PERCENT.search(column) and aggregate != "sum":
        return "percent"
    if _MONEY.search(words):
        return "currency"
    if _COUNT.search(name):
        return "count"
    return "number"


def column_format(
    name: str,
    values: Sequence[Any],
    source: tuple[str, str | None] | None,
    declared: Unit | None = None,
) -> ColumnFormat:
    present = [v for v in values if v is not None]
    label = pretty(name).strip()
    label = label[:1].upper() + label[1:]
    kind: DisplayKind
    if present and all(isinstance(v, str) for v in present):
        if all(_DATE.match(v) for v in present):
            kind = "date"
        elif all(_PERIOD.match(v) for v in present):
            kind = "period"
        else:
            kind = "text"
        return ColumnFormat(name=name, label=label, kind=kind)
    if not present or not all(_is_number(v) for v in present):
        return ColumnFormat(name=name, label=label, kind="text")
    integers = all(float(v).is_integer() for v in present)
    if name.lower() in _PERIOD_NAMES and integers:
        return ColumnFormat(name=name, label=label, kind="period")
    if _IDENTIFIER.search(name) and integers and source is None:
        return ColumnFormat(name=name, label=label, kind="text")
    kind = _numeric_kind(name, source)
    if kind == "count" and not integers:
        kind = "number"
    unit = {"currency": CURRENCY_SYMBOL, "percent": "%"}.get(kind)
    if declared is not None and kind not in ("count", "percent"):
        kind, unit = declared
    decimals = 0 if kind == "count" or (integers and kind != "percent") else 2
    return ColumnFormat(name=name, label=label, kind=kind, unit=unit, decimals=decimals)


def formats(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    sql: str | None,
    units: dict[str, Unit] | None = None,
) -> list[ColumnFormat]:
    """Each column's format; ``units`` (from :func:`declared_units`) are looked up by the
    column's own name, then by the column it aggregates."""
    sources = _aggregates(sql)
    units = units or {}
    found = []
    for index, name in enumerate(columns):
        source = sources.get(name)
        declared = units.get(name) or (units.get(source[1]) if source and source[1] else None)
        found.append(column_format(name, [row[index] for row in rows], source, declared))
    return found


def bar_order(
    chart: Chart,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    found: Sequence[ColumnFormat],
) -> Chart:
    """Bars of named categories (purposes, states) by value; categories with an order of their
    own (grades, months, terms, ranges) as the result gives them."""
    if chart.type != "bar" or chart.x is None or chart.x not in columns or chart.color:
        return chart
    index = list(columns).index(chart.x)
    labels = [str(row[index]) for row in rows if row]
    ordinal = found[index].kind != "text" or all(_ORDINAL_VALUE.match(label) for label in labels)
    return chart.model_copy(update={"order": "category" if ordinal else "value"})


class Kept(ApiModel):
    """What an answer showed besides its rows and chart (``query_history.presentation``)."""

    formats: list[ColumnFormat] = Field(default_factory=list)
    explanation: str = ""
    insights: list[str] = Field(default_factory=list)
    recommendations: list[str] = Field(default_factory=list)
