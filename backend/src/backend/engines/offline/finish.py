"""Finish plan parts into a plan: the subject table, volume, date columns, compared columns.

Gaps are filled only from the schema (the table's own amount or date column); when a gap
cannot be filled the question is refused with the words that need more.
"""

from __future__ import annotations

from dataclasses import replace

from backend.engines.base import Unanswerable
from backend.engines.offline.linking import ColumnRef
from backend.engines.offline.plan import (
    AGGREGATES,
    NUMERIC,
    TIME,
    Filter,
    Group,
    Measure,
    Parts,
    Plan,
)
from backend.engines.offline.words import name_words
from backend.targets.schema_info import SchemaInfo


def finish(parts: Parts, schema: SchemaInfo) -> Plan:
    """Fill the gaps (subject table, volume, date column) or say which words need more."""
    if parts.dangling:
        words = ", ".join(f"'{w}'" for w in parts.dangling)
        raise Unanswerable(
            f"I could not tell what {words} applies to. Name a column, for example "
            "'average loan amount' or 'amount over 20000'."
        )
    measures = list(parts.measures)
    numeric_named = [m.column for m in measures if m.column is not None]
    table = _subject(parts, measures, schema)
    if parts.volume:
        amount = _amount_column(schema, table)
        measures = [Measure("count"), *([Measure("sum", amount)] if amount else [])]
    if parts.having is not None and not measures:
        measures = [Measure("count")]
    groups_in = list(parts.groups)
    if parts.columns and not measures and parts.having is None:
        # "names and ages for every singer": each row is listed anyway.
        listed_tables = {ref.table for ref in parts.columns}
        groups_in = [g for g in groups_in if not (g.column and g.column.table in listed_tables)]
    if parts.columns and measures:
        groups_in = _columns_with_measures(parts, measures, schema)
    # A number named without saying how to combine it, next to groups it did not become.
    grouped_listing = bool(parts.columns) and not parts.groups
    if (
        parts.bare_numeric
        and (groups_in or measures)
        and not grouped_listing
        and not any(m.func in AGGREGATES for m in measures)
    ):
        words = ", ".join(f"'{w}'" for w in parts.bare_numeric)
        raise Unanswerable(
            f"Say how to combine {words}: total, average, minimum or maximum "
            "(for example 'average " + parts.bare_numeric[0] + "')."
        )
    if parts.all_columns and not measures and not parts.columns and not groups_in:
        info = schema.table(table)
        parts = replace(
            parts, columns=tuple(ColumnRef(table, c) for c in info.columns) if info else ()
        )
    listing = bool(parts.columns) and not measures
    if (
        not measures
        and not listing
        and parts.order_column is None
        and (groups_in or not parts.filters)
    ):
        measures = [Measure("count")]
    groups = tuple(_resolve_time(g, schema, table) for g in groups_in)
    filters = tuple(_resolve_filter(f, schema, table, numeric_named) for f in parts.filters)
    return Plan(
        table=table,
        measures=tuple(measures),
        groups=groups,
        filters=filters,
        limit=parts.limit,
        descending=parts.descending,
        ranked=parts.ranked,
        order_column=parts.order_column,
        columns=parts.columns if listing else (),
        having=_having(parts, groups),
        without=parts.without,
        with_any=parts.with_any,
        distinct=parts.distinct and listing,
    )


def _per_row_of(
    parts: Parts, measures: list[Measure], schema: SchemaInfo, extra: list[ColumnRef]
) -> list[Group] | None:
    """ "the names of singers and the total sales of their songs", "name and theme of each
    concert and its number of singers": one row per row of the table the shown columns belong
    to (grouped by its key, so rows of the same name stay apart), when what is measured lives
    in another table."""
    tables = {ref.table for ref in extra} | {g.column.table for g in parts.groups if g.column}
    if len(tables) != 1 or any(g.unit for g in parts.groups):
        return None
    table = tables.pop()
    info = schema.table(table)
    keys = [c for c in info.columns if c.primary_key] if info else []
    elsewhere = all(m.column is None or m.column.table != table for m in measures)
    counts_others = parts.counted not in (None, table) or any(m.column for m in measures)
    if len(keys) != 1 or not elsewhere or not counts_others:
        return None
    key = Group(ColumnRef(table, keys[0]))
    return list(dict.fromkeys([key, *parts.groups, *(Group(ref) for ref in extra)]))


def _having(parts: Parts, groups: tuple[Group, ...]) -> tuple[str, float] | None:
    if parts.having is not None and not groups:
        raise Unanswerable(
            "I cannot tell what to count the condition for; say which column to group by "
            "(for example 'countries with more than 2 makers')."
        )
    return parts.having


def _columns_with_measures(
    parts: Parts, measures: list[Measure], schema: SchemaInfo
) -> list[Group]:
    """Shown columns next to a measure: the groups of a ranking ("the breed with the most
    dogs"), or columns already grouped by; anything else mixes rows and totals."""
    grouped = {g.column for g in parts.groups}
    extra = [ref for ref in parts.columns if ref not in grouped]
    if not extra:
        return list(parts.groups)
    counting = all(m.func == "count" for m in measures)
    if (parts.ranked or parts.having) and not parts.groups and counting:
        return [Group(ref) for ref in extra]
    per_row = _per_row_of(parts, measures, schema, extra)
    if per_row is not None:
        return per_row
    shown = ", ".join(f"'{ref.column.name}'" for ref in extra)
    raise Unanswerable(
        f"I cannot tell how {shown} goes with the totals asked for: one value per "
        f"{shown} (say 'for each ...') or the rows themselves? Ask for one of them."
    )


def _subject(parts: Parts, measures: list[Measure], schema: SchemaInfo) -> str:
    """The table whose rows are counted, combined or shown."""
    if parts.counted:
        return parts.counted
    for measure in measures:
        if measure.column is not None:
            return measure.column.table
    if parts.columns:  # "the most common citizenship of singers": rows of its own table
        return parts.columns[0].table
    if parts.tables:
        return parts.tables[0]
    for ref in [g.column for g in parts.groups] + [f.column for f in parts.filters]:
        if ref is not None:
            return _fact_table_for(ref.table, schema)
    if parts.order_column is not None:
        return parts.order_column.table
    if len(schema.tables) == 1:
        return schema.tables[0].name
    raise Unanswerable(
        "I could not tell which table the question is about; name it (for example 'how many "
        + (schema.tables[0].name if schema.tables else "rows")
        + "')."
    )


def _fact_table_for(table: str, schema: SchemaInfo) -> str:
    """Counting "per state" where state lives in a dimension: count the facts that point at it."""
    referencing = [
        t.name for t in schema.tables if any(fk.ref_table == table for fk in t.foreign_keys)
    ]
    return referencing[0] if len(referencing) == 1 else table


def _amount_column(schema: SchemaInfo, table: str) -> ColumnRef | None:
    info = schema.table(table)
    if info is None:
        return None
    table_word = name_words(table)[-1:]
    best: tuple[int, ColumnRef] | None = None
    for column in info.columns:
        if column.kind not in NUMERIC or "amount" not in name_words(column.name):
            continue
        words = name_words(column.name)
        score = 2 if words in (("amount",), (*table_word, "amount")) else 1
        if best is None or score > best[0]:
            best = (score, ColumnRef(table, column))
    return best[1] if best else None


def date_column(schema: SchemaInfo, table: str) -> ColumnRef | None:
    """The subject's first date column, else one of a table it references."""
    info = schema.table(table)
    if info is None:
        return None
    for column in info.columns:
        if column.kind in TIME:
            return ColumnRef(table, column)
    for fk in info.foreign_keys:
        ref = schema.table(fk.ref_table)
        for column in ref.columns if ref else ():
            if column.kind in TIME:
                return ColumnRef(fk.ref_table, column)
    return None


def _require_date(schema: SchemaInfo, table: str) -> ColumnRef:
    ref = date_column(schema, table)
    if ref is None:
        raise Unanswerable(f"'{table}' has no date column to group or filter by time.")
    return ref


def _year_column(schema: SchemaInfo, table: str) -> ColumnRef | None:
    """A table without dates may still say its year in a column named so (``Year``)."""
    if date_column(schema, table) is not None:
        return None
    info = schema.table(table)
    found = [c for c in info.columns if name_words(c.name) == ("year",)] if info else []
    return ColumnRef(table, found[0]) if len(found) == 1 else None


def _resolve_time(group: Group, schema: SchemaInfo, table: str) -> Group:
    if group.column is not None:
        return group
    year = _year_column(schema, table)
    if year is not None and group.unit == "year":
        return Group(year)
    return replace(group, column=_require_date(schema, table))


def _year_filter(item: Filter, column: ColumnRef) -> Filter:
    """Year bounds [low, high) as a comparison on a year column (0 means open)."""
    low, high = (float(v) for v in item.values)
    if low and high:
        if high == low + 1:
            return Filter(column, "in", (low,))
        return Filter(column, "between", (low, high - 1))
    return Filter(column, "gte", (low,)) if low else Filter(column, "lt", (high,))


def _resolve_filter(item: Filter, schema: SchemaInfo, table: str, named: list[ColumnRef]) -> Filter:
    if item.column is not None:
        return item
    if item.op == "year":
        year = _year_column(schema, table)
        if year is not None:
            return _year_filter(item, year)
        return replace(item, column=_require_date(schema, table))
    column = named[0] if named else _amount_column(schema, table)
    if column is None:
        raise Unanswerable(
            "I could not tell which column the number compares; name it "
            "(for example 'amount over 20000')."
        )
    return replace(item, column=column)
