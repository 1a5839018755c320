"""Write a plan as SQL for the target dialect with sqlglot's expression builder.

Identifiers are always quoted and values always become literals, so no word of the question
is ever pasted into the SQL text. Filter values are sampled values, numbers, or a text the user
quoted. One module writes every clause of one plan (joins, measures, groups with HAVING, the
``key IN``/``NOT IN`` subqueries of related rows, comparisons with an average), since they
share the plan's joins and count key; splitting it would scatter one query's shape.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from itertools import pairwise

from sqlglot import exp

from backend.engines.offline.linking import ColumnRef
from backend.engines.offline.plan import Filter, Group, Measure, Plan
from backend.engines.offline.words import name_words
from backend.targets.schema_info import SchemaInfo


@dataclass(frozen=True)
class _Join:
    table: str
    on: list[tuple[str, str, str, str]]  # (left table, left column, right table, right column)
    downward: bool  # the joined table references the one before it (one-to-many)


def _col(ref: ColumnRef) -> exp.Column:
    return exp.column(ref.column.name, table=ref.table, quoted=True)


def _table(name: str, db_schema: str | None) -> exp.Table:
    return exp.table_(name, db=db_schema, quoted=True)


def _alias(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _join_path(schema: SchemaInfo, start: str, goal: str) -> list[_Join] | None:
    """Shortest path along foreign keys (either direction) from ``start`` to ``goal``."""
    edges: dict[str, list[_Join]] = {}
    for table in schema.tables:
        for fk in table.foreign_keys:
            pairs = list(zip(fk.columns, fk.ref_columns, strict=False))
            up = [(table.name, c, fk.ref_table, r) for c, r in pairs]
            edges.setdefault(table.name, []).append(_Join(fk.ref_table, up, False))
            edges.setdefault(fk.ref_table, []).append(_Join(table.name, up, True))
    queue: deque[tuple[str, list[_Join]]] = deque([(start, [])])
    seen = {start}
    while queue:
        current, path = queue.popleft()
        if current == goal:
            return path
        for join in edges.get(current, []):
            if join.table not in seen:
                seen.add(join.table)
                queue.append((join.table, [*path, join]))
    return None


class JoinError(Exception):
    def __init__(self, table: str) -> None:
        super().__init__(table)
        self.table = table


def joins_of(plan: Plan, schema: SchemaInfo) -> list[_Join]:
    """The joins the plan's SQL needs, from its subject table outwards."""
    needed = {plan.table}
    refs = [m.column for m in plan.measures] + [g.column for g in plan.groups]
    refs += [f.column for f in plan.filters] + [plan.order_column, *plan.columns]
    needed |= {ref.table for ref in refs if ref is not None}
    joins: list[_Join] = []
    joined = {plan.table}
    for table in sorted(needed - {plan.table}):
        path = _join_path(schema, plan.table, table)
        if path is None:
            raise JoinError(table)
        for join in path:
            if join.table not in joined:
                joined.add(join.table)
                joins.append(join)
    return joins


def tables_used(plan: Plan, schema: SchemaInfo) -> set[str]:
    """Every table the plan's SQL reads, including those a join passes through."""
    return {plan.table} | {join.table for join in joins_of(plan, schema)}


def _time_bucket(ref: ColumnRef, unit: str, dialect: str) -> exp.Expr:
    column = _col(ref)
    formats = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
    if unit in formats:
        return exp.TimeToStr(this=column, format=exp.Literal.string(formats[unit]))
    year = exp.TimeToStr(this=column, format=exp.Literal.string("%Y"))
    if unit == "week":
        week = exp.TimeToStr(this=column.copy(), format=exp.Literal.string("%W"))
        return exp.DPipe(
            this=exp.DPipe(this=year, expression=exp.Literal.string("-W")), expression=week
        )
    if dialect == "postgres":
        quarter: exp.Expr = exp.Anonymous(
            this="TO_CHAR", expressions=[column.copy(), exp.Literal.string("Q")]
        )
    elif dialect == "mysql":
        quarter = exp.Quarter(this=column.copy())
    else:
        month = exp.cast(exp.TimeToStr(this=column.copy(), format=exp.Literal.string("%m")), "int")
        quarter = exp.cast(
            exp.Div(
                this=exp.Paren(this=exp.Add(this=month, expression=exp.Literal.number(2))),
                expression=exp.Literal.number(3),
                typed=True,
            ),
            "text",
        )
    return exp.DPipe(
        this=exp.DPipe(this=year, expression=exp.Literal.string("-Q")), expression=quarter
    )


def _rounded(value: exp.Expr) -> exp.Expr:
    return exp.Round(this=exp.cast(value, "decimal"), decimals=exp.Literal.number(2))


# MySQL's bare DECIMAL is DECIMAL(10, 0): it would round every average to a whole number.
_MYSQL_DECIMAL = exp.DataType.build("DECIMAL(65, 10)", dialect="mysql")


def _written_for(query: exp.Expr, dialect: str) -> str:
    """The query's text in ``dialect``, with the few types it spells differently."""
    if dialect == "mysql":

        def widen(node: exp.Expr) -> exp.Expr:
            to = node.args.get("to") if isinstance(node, exp.Cast) else None
            if isinstance(to, exp.DataType) and to.is_type("decimal") and not to.expressions:
                node.set("to", _MYSQL_DECIMAL.copy())
            return node

        query = query.transform(widen)
    return query.sql(dialect=dialect)


def measure_name(measure: Measure, table: str) -> str:
    subject = "_".join(name_words(table)) or "row"
    if measure.func == "count":
        return f"{subject}_count"
    if measure.func == "share":
        return "share_pct"
    if measure.func == "rate":
        label = "_".join(name_words(measure.label)) or "hit"
        return f"{label}_rate_pct"
    assert measure.column is not None
    prefix = {
        "count_distinct": "distinct",
        "sum": "total",
        "avg": "avg",
        "min": "min",
        "max": "max",
    }
    return f"{prefix[measure.func]}_{measure.column.column.name}"


def _measure(
    measure: Measure, plan: Plan, count_key: exp.Expr | None, db_schema: str | None
) -> exp.Expr:
    star = exp.Count(this=exp.Star())
    if measure.func == "count":
        if count_key is not None:
            return exp.Count(this=exp.Distinct(expressions=[count_key]))
        return star
    if measure.func == "share":
        total = exp.select(exp.Count(this=exp.Star())).from_(_table(plan.table, db_schema))
        return _rounded(
            exp.Div(
                this=exp.Mul(this=exp.Literal.number("100.0"), expression=star),
                expression=exp.Subquery(this=total),
                typed=True,
            )
        )
    assert measure.column is not None
    column = _col(measure.column)
    if measure.func == "rate":
        is_hit = (
            column.isin(*[exp.Literal.string(v) for v in measure.values])
            if measure.values
            else column
        )
        hit = exp.Case(
            ifs=[exp.If(this=is_hit, true=exp.Literal.number(1))],
            default=exp.Literal.number(0),
        )
        return _rounded(
            exp.Div(
                this=exp.Mul(this=exp.Literal.number("100.0"), expression=exp.Sum(this=hit)),
                expression=star,
                typed=True,
            )
        )
    if measure.func == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[column]))
    if measure.func == "avg":
        return _rounded(exp.Avg(this=column))
    builder = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}[measure.func]
    return builder(this=column)


def _condition(item: Filter, db_schema: str | None = None) -> exp.Expr:
    assert item.column is not None
    column = _col(item.column)
    if item.op == "true":
        return column
    if item.op.endswith("_avg"):
        average = exp.select(exp.Avg(this=_col(item.column))).from_(
            _table(item.column.table, db_schema)
        )
        compare = {"gt": exp.GT, "gte": exp.GTE, "lt": exp.LT, "lte": exp.LTE}[item.op[:-4]]
        return compare(this=column, expression=exp.Subquery(this=average))
    if item.op == "year":
        low, high = item.values
        parts: list[exp.Expr] = []
        if low:
            parts.append(column.copy() >= exp.Literal.string(f"{int(float(low))}-01-01"))
        if high:
            parts.append(column.copy() < exp.Literal.string(f"{int(float(high))}-01-01"))
        return exp.and_(*parts)
    literals = [
        exp.Literal.number(_number_text(v)) if isinstance(v, float) else exp.Literal.string(v)
        for v in item.values
    ]
    if item.op in ("in", "not_in"):
        condition: exp.Expr = (
            column.eq(literals[0]) if len(literals) == 1 else column.isin(*literals)
        )
        return exp.not_(condition) if item.op == "not_in" else condition
    if item.op == "between":
        return exp.Between(this=column, low=literals[0], high=literals[1])
    comparisons = {"gt": exp.GT, "gte": exp.GTE, "lt": exp.LT, "lte": exp.LTE}
    return comparisons[item.op](this=column, expression=literals[0])


def _related(
    plan: Plan, table: str, schema: SchemaInfo, db_schema: str | None, *, none: bool
) -> exp.Expr:
    """The subject's rows that some row of ``table`` points at (``key IN (...)``), or with
    ``none`` that no row does (``key NOT IN (...)``)."""
    fk = anti_join_key(plan.table, table, schema)
    if fk is None:
        raise JoinError(table)
    own, theirs = fk
    pointing = exp.column(theirs, table=table, quoted=True)
    related = (
        exp.select(pointing).from_(_table(table, db_schema)).where(pointing.is_(exp.null()).not_())
    )
    found = exp.column(own, table=plan.table, quoted=True).isin(related)
    return exp.not_(found) if none else found


def anti_join_key(subject: str, table: str, schema: SchemaInfo) -> tuple[str, str] | None:
    """(subject column, referencing column) of the one single-column key from ``table`` to
    the subject; None when there is not exactly one."""
    info = schema.table(table)
    keys = [
        (fk.ref_columns[0], fk.columns[0])
        for fk in (info.foreign_keys if info else ())
        if fk.ref_table == subject and len(fk.columns) == 1
    ]
    return keys[0] if len(keys) == 1 else None


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _group_expr(group: Group, dialect: str) -> tuple[exp.Expr, str]:
    assert group.column is not None
    if group.unit is None:
        return _col(group.column), group.column.column.name
    return _time_bucket(group.column, group.unit, dialect), group.unit


def semi_join_key(plan: Plan, schema: SchemaInfo) -> str | None:
    """Listing the subject's rows that have related rows ("singers who performed in 2014"):
    the subject's key, to select each row once with ``key IN (...)`` instead of a join that
    repeats it; None when the plan is not such a listing."""
    shown = [*plan.columns, *([plan.order_column] if plan.order_column else [])]
    info = schema.table(plan.table)
    keys = [c.name for c in info.columns if c.primary_key] if info else []
    own = all(ref.table == plan.table for ref in shown)
    if not plan.columns or plan.measures or plan.groups or not own or len(keys) != 1:
        return None
    joins = joins_of(plan, schema)
    # One hop down only: through a link table, "each singer once" or "each performance" is
    # not clear (and a count of links differs from a count of rows).
    down = [j for j in joins if j.downward]
    through_link = any(a.downward and not b.downward for a, b in pairwise(joins))
    return keys[0] if len(down) == 1 and joins[0].downward and not through_link else None


def build_sql(plan: Plan, schema: SchemaInfo, dialect: str, db_schema: str | None) -> str:
    key = semi_join_key(plan, schema)
    if key is not None:
        inner = replace(plan, columns=(), order_column=None, limit=None, distinct=False)
        related = exp.select(exp.column(key, table=plan.table, quoted=True)).from_(
            _table(plan.table, db_schema)
        )
        related = _joined(related, inner, schema, db_schema).where(
            exp.and_(*[_condition(f, db_schema) for f in plan.filters])
        )
        query = exp.select(*[_col(ref) for ref in plan.columns]).from_(
            _table(plan.table, db_schema)
        )
        query = query.where(exp.column(key, table=plan.table, quoted=True).isin(related))
        query = query.distinct() if plan.distinct else query
        for ordering in _ordering(plan, [], []):
            query = query.order_by(ordering)
        return _written_for(query.limit(plan.limit) if plan.limit else query, dialect)
    joins = joins_of(plan, schema)
    count_key = _count_key(plan, schema) if any(j.downward for j in joins) else None
    query = _joined(exp.select().from_(_table(plan.table, db_schema)), plan, schema, db_schema)
    group_exprs = [_group_expr(g, dialect) for g in plan.groups]
    for expression, name in group_exprs:
        query = query.select(exp.alias_(expression, _alias(name)))
    measure_names = []
    for measure in plan.measures:
        name = measure_name(measure, plan.table)
        measure_names.append(name)
        expression = _measure(measure, plan, count_key, db_schema)
        query = query.select(exp.alias_(expression, _alias(name)))
    if plan.columns:
        for ref in plan.columns:
            query = query.select(_col(ref))
        if plan.distinct:
            query = query.distinct()
    elif not plan.measures and not plan.groups:
        info = schema.table(plan.table)
        for column in info.columns if info else ():
            query = query.select(exp.column(column.name, table=plan.table, quoted=True))
    conditions = [_condition(f, db_schema) for f in plan.filters]
    conditions += [_related(plan, t, schema, db_schema, none=True) for t in plan.without]
    conditions += [_related(plan, t, schema, db_schema, none=False) for t in plan.with_any]
    if conditions:
        query = query.where(exp.and_(*conditions))
    if plan.groups and plan.measures:
        # Group by the expressions, not their aliases: an alias may equal a real column name.
        query = query.group_by(*[expression.copy() for expression, _ in group_exprs])
        if plan.having is not None:
            op, number = plan.having
            counted = _measure(Measure("count"), plan, count_key, db_schema)
            comparisons = {"gt": exp.GT, "gte": exp.GTE, "lt": exp.LT, "lte": exp.LTE, "eq": exp.EQ}
            bound = exp.Literal.number(_number_text(number))
            query = query.having(comparisons[op](this=counted, expression=bound))
    for ordering in _ordering(plan, [n for _, n in group_exprs], measure_names):
        query = query.order_by(ordering)
    if plan.limit is not None:
        query = query.limit(plan.limit)
    return _written_for(query, dialect)


def _joined(query: exp.Select, plan: Plan, schema: SchemaInfo, db_schema: str | None) -> exp.Select:
    for join in joins_of(plan, schema):
        on = exp.and_(
            *[
                exp.column(lc, table=lt, quoted=True).eq(exp.column(rc, table=rt, quoted=True))
                for lt, lc, rt, rc in join.on
            ]
        )
        query = query.join(_table(join.table, db_schema), on=on)
    return query


def _count_key(plan: Plan, schema: SchemaInfo) -> exp.Expr | None:
    """Joining one-to-many repeats subject rows; count the subject's key once each instead."""
    info = schema.table(plan.table)
    keys = [c.name for c in info.columns if c.primary_key] if info else []
    return exp.column(keys[0], table=plan.table, quoted=True) if len(keys) == 1 else None


def _ordering(plan: Plan, group_names: list[str], measure_names: list[str]) -> list[exp.Expr]:
    def by(name: str, desc: bool) -> exp.Expr:
        return exp.Ordered(this=exp.column(name, quoted=True), desc=desc)

    time_group = any(g.unit for g in plan.groups)
    if plan.order_column is not None:
        return [exp.Ordered(this=_col(plan.order_column), desc=plan.descending)]
    if not measure_names or not group_names:
        return []
    if plan.ranked:
        return [by(measure_names[0], plan.descending)] + [by(g, False) for g in group_names]
    if time_group:
        return [by(g, False) for g in group_names]
    if plan.measures[0].func in ("count", "sum", "share", "count_distinct"):
        return [by(measure_names[0], True)] + [by(g, False) for g in group_names]
    return [by(g, False) for g in group_names]
