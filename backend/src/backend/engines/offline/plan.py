"""The query plan: what a question asks for, as data (measures, groups, filters, order).

The reader (``reader.py``) fills ``Parts`` from one question; follow-ups are merged here into
the previous turn's parts; ``finish.py`` turns parts into a complete ``Plan`` that ``sql.py``
writes as SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from backend.engines.offline.linking import ColumnRef

MeasureFunc = Literal["count", "count_distinct", "sum", "avg", "min", "max", "rate", "share"]
FilterOp = Literal[
    "in", "not_in", "gt", "gte", "lt", "lte", "between", "year", "true",
    "gt_avg", "gte_avg", "lt_avg", "lte_avg",  # against the column's average over its table
]  # fmt: skip
TimeUnit = Literal["day", "week", "month", "quarter", "year"]


AGGREGATES = {"sum", "avg", "min", "max"}
NUMERIC = {"integer", "number"}
TIME = {"date", "timestamp"}


@dataclass(frozen=True)
class Measure:
    func: MeasureFunc
    column: ColumnRef | None = None  # the aggregated column; for a rate, the status column
    values: tuple[str, ...] = ()  # for a rate: the values that count as a hit
    label: str = ""  # the words naming a rate ("default")


@dataclass(frozen=True)
class Group:
    column: ColumnRef | None  # None: the time bucket's date column is chosen at the end
    unit: TimeUnit | None = None


@dataclass(frozen=True)
class Filter:
    column: ColumnRef | None  # None: a year filter whose date column is chosen at the end
    op: FilterOp
    values: tuple[str | float, ...]


@dataclass(frozen=True)
class Parts:
    """What one question says, before the gaps are filled from its table and the history."""

    tables: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = ()
    volume: bool = False
    groups: tuple[Group, ...] = ()
    filters: tuple[Filter, ...] = ()
    limit: int | None = None
    descending: bool = True
    ranked: bool = False  # top/bottom/superlative: order by the measure
    order_column: ColumnRef | None = None  # "top 10 loans by amount": rows ordered by a column
    bare_numeric: tuple[str, ...] = ()  # numeric columns named without saying how to combine
    dangling: tuple[str, ...] = ()  # words that needed a target they never got
    columns: tuple[ColumnRef, ...] = ()  # columns to show as they are ("names of singers")
    distinct: bool = False  # each shown row once
    counted: str | None = None  # the table "how many" counts
    argmax: bool = False  # the row(s) with the highest/lowest order column
    all_columns: bool = False  # every column of the subject's rows
    without: tuple[str, ...] = ()  # tables in which the subject's rows have no related row
    with_any: tuple[str, ...] = ()  # tables in which they have at least one
    having: tuple[str, float] | None = None  # (op, number): a condition on the count per group


@dataclass(frozen=True)
class Plan:
    table: str
    measures: tuple[Measure, ...]
    groups: tuple[Group, ...]
    filters: tuple[Filter, ...]
    limit: int | None
    descending: bool
    ranked: bool
    order_column: ColumnRef | None
    columns: tuple[ColumnRef, ...] = ()
    distinct: bool = False
    having: tuple[str, float] | None = None
    without: tuple[str, ...] = ()
    with_any: tuple[str, ...] = ()


def merge(previous: Parts, follow_up: Parts) -> Parts:
    """A follow-up keeps the previous turn and replaces only what it says anew."""
    replaced = {f.column for f in follow_up.filters}
    kept = tuple(
        f
        for f in previous.filters
        if f.column not in replaced and not (f.op == "year" and _has_year(follow_up))
    )
    new_measures = follow_up.measures or follow_up.volume
    return Parts(
        tables=follow_up.tables or previous.tables,
        measures=follow_up.measures if new_measures else previous.measures,
        volume=follow_up.volume if new_measures else previous.volume,
        groups=follow_up.groups or previous.groups,
        filters=kept + follow_up.filters,
        limit=follow_up.limit if follow_up.limit is not None else previous.limit,
        descending=follow_up.descending if follow_up.ranked else previous.descending,
        ranked=follow_up.ranked or previous.ranked,
        order_column=follow_up.order_column or previous.order_column,
        bare_numeric=follow_up.bare_numeric,
        dangling=follow_up.dangling,
    )


def _has_year(parts: Parts) -> bool:
    return any(f.op == "year" for f in parts.filters)


def is_partial(parts: Parts) -> bool:
    """A question that cannot stand alone (no measure, no table, no grouping of its own)."""
    has_measure = bool(parts.measures) or parts.volume or parts.order_column is not None
    return not parts.tables and not (has_measure and parts.groups) and not has_measure
