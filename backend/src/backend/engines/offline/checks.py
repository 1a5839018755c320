"""Checks a finished plan must pass before it is written as SQL: precision before coverage.

A plan is answered only when it uses every table, column and value the question named (a word
left out means the reading is not the one asked), when no join repeats the rows a total or an
average is taken over, and when a negation applies to the subject's own rows. Otherwise the
question is refused, naming what could not be placed.
"""

from __future__ import annotations

from itertools import pairwise

from backend.engines.base import Unanswerable
from backend.engines.offline.linking import ColumnRef, Item
from backend.engines.offline.plan import Plan
from backend.engines.offline.sql import anti_join_key, joins_of, semi_join_key
from backend.targets.schema_info import SchemaInfo


def _plan_columns(plan: Plan) -> set[ColumnRef]:
    refs = [m.column for m in plan.measures] + [g.column for g in plan.groups]
    refs += [f.column for f in plan.filters] + [plan.order_column, *plan.columns]
    return {ref for ref in refs if ref is not None}


def _unplaced(items: list[Item], plan: Plan, tables: set[str]) -> list[str]:
    used = _plan_columns(plan)
    missing: list[str] = []
    for item in items:
        if (item.kind == "table" and item.table not in tables) or (
            item.kind in ("column", "value") and not used & set(item.columns)
        ):
            missing.append(item.text)
    return missing


def check_plan(items: list[Item], plan: Plan, schema: SchemaInfo) -> None:
    """Refuse (``Unanswerable``) a plan that would answer a different question."""
    joins = joins_of(plan, schema)
    for join in joins:
        if len(join.on) > 1 or _links_between(schema, join.table, join.on[0]) > 1:
            raise Unanswerable(
                f"I cannot tell which link between '{join.on[0][0]}' and '{join.on[0][2]}' is "
                "meant: they are connected by more than one key."
            )
    related = (*plan.without, *plan.with_any)
    tables = {plan.table} | {join.table for join in joins} | set(related)
    for table in related:
        if any(f.column is not None and f.column.table != plan.table for f in plan.filters):
            raise Unanswerable(
                f"I cannot tell whether the conditions on other tables belong inside the "
                f"'... any {table}' or outside it; ask without them."
            )
        if anti_join_key(plan.table, table, schema) is None:
            raise Unanswerable(
                f"I cannot tell how '{table}' relates to '{plan.table}': they are not linked "
                "by exactly one key."
            )
    missing = _unplaced(items, plan, tables)
    if missing:
        words = ", ".join(f"'{w}'" for w in dict.fromkeys(missing))
        raise Unanswerable(
            f"I could not place {words} in one reading of the question, so I will not guess. "
            "I answer counts, totals, averages, minimum and maximum (per group too), lists of "
            "columns with filters, and the row with the highest or lowest value."
        )
    foreign = [m for m in plan.measures if m.column is not None and m.column.table != plan.table]
    if foreign and any(m.func == "count" for m in plan.measures):
        measure = foreign[0]
        assert measure.column is not None
        raise Unanswerable(
            f"I cannot tell whether '{measure.func} {measure.column.column.name}' is a value to "
            f"show or picks the '{measure.column.table}' row to count for; ask one of them."
        )
    if plan.having is not None and any(
        g.column is not None and g.column.column.primary_key for g in plan.groups
    ):
        raise Unanswerable(
            "I cannot count per row of a table for a condition on that count; say what to "
            "group by (for example 'countries with more than 2 makers')."
        )
    _check_one_row_per_condition(items, plan)
    shown_elsewhere = {ref.table for ref in plan.columns} - {plan.table}
    if any(f.column is not None and f.column.table in shown_elsewhere for f in plan.filters):
        raise Unanswerable(
            f"I cannot tell whether the rows to list are those of '{plan.table}' or of "
            f"'{sorted(shown_elsewhere)[0]}'; ask about one of them."
        )
    fans_out = any(join.downward for join in joins)
    if fans_out:
        repeated = [
            m for m in plan.measures if m.func in ("sum", "avg", "rate", "share", "count_distinct")
        ]
        info = schema.table(plan.table)
        keyed = info is not None and sum(c.primary_key for c in info.columns) == 1
        counted = any(m.func == "count" for m in plan.measures) and not keyed
        # A link table between (down, then up): distinct rows, or the links between them?
        through_link = any(a.downward and not b.downward for a, b in pairwise(joins))
        many_to_many = (len(joins) > 2 or through_link) and bool(plan.groups)
        counted = counted or (any(m.func == "count" for m in plan.measures) and many_to_many)
        semi_join = semi_join_key(plan, schema) is not None
        repeated_rows = bool(plan.columns) and not semi_join
        if semi_join and any(
            f.column is not None and f.column.table != plan.table and len(f.values) > 1
            for f in plan.filters
        ):
            raise Unanswerable(
                f"I cannot tell whether each '{plan.table}' needs a related row for every value "
                "named or for any one of them; ask for one value at a time."
            )
        if repeated or counted or repeated_rows:
            raise Unanswerable(
                f"I cannot answer this safely: it joins '{plan.table}' to tables with several "
                "rows for each of its rows, which would repeat rows and change the result."
            )
    for item in plan.filters:
        if item.op == "not_in" and item.column is not None and item.column.table != plan.table:
            raise Unanswerable(
                f"I cannot answer negations across tables yet: 'not' applies to "
                f"'{item.column.table}', not to the '{plan.table}' asked about."
            )


def _check_one_row_per_condition(items: list[Item], plan: Plan) -> None:
    """ "countries where a singer above 40 and a singer below 30 are from" asks for two rows;
    conditions that no single row can meet are never answered as an empty result."""
    named = [item.table for item in items if item.kind == "table" and item.table]
    twice = {table for table in named if named.count(table) > 1}
    if twice and len(plan.filters) > 1:
        raise Unanswerable(
            f"I cannot tell whether the conditions apply to one '{sorted(twice)[0]}' or to "
            "several; ask about one of them at a time."
        )
    lows: dict[ColumnRef, float] = {}
    highs: dict[ColumnRef, float] = {}
    for item in plan.filters:
        if item.column is None or not item.values or not isinstance(item.values[0], float):
            continue
        if item.op in ("gt", "gte"):
            lows[item.column] = max(lows.get(item.column, item.values[0]), item.values[0])
        if item.op in ("lt", "lte"):
            highs[item.column] = min(highs.get(item.column, item.values[0]), item.values[0])
    for column, low in lows.items():
        if column in highs and highs[column] <= low:
            raise Unanswerable(
                f"I cannot answer conditions on '{column.column.name}' that no single row "
                "meets; did you mean rows meeting either condition?"
            )


def _links_between(schema: SchemaInfo, table: str, pair: tuple[str, str, str, str]) -> int:
    """How many foreign keys connect the two tables of a join (either direction)."""
    left, _, right, _ = pair
    tables = {left, right}
    return sum(
        1
        for info in schema.tables
        if info.name in tables
        for fk in info.foreign_keys
        if {info.name, fk.ref_table} == tables
    )
