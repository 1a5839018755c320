"""Execution match between a predicted and a gold result, and the shape of a gold query.

Results are compared as multisets of rows (as lists when the gold query orders its rows);
columns may come in any order. A prediction holding every gold column plus others is "right
with extra columns", counted apart from right and wrong. Numbers match within 0.01, because
the offline engine rounds averages to two decimals for display.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import permutations
from typing import Literal

import sqlglot
from sqlglot import exp

Verdict = Literal["right", "right_extra_columns", "wrong"]
Value = str | int | float | bool | None
Row = Sequence[Value]
_MAX_COLUMNS = 8  # beyond this, only the columns in order are tried


def _cell(value: Value) -> Value:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return round(float(value), 2)
    if isinstance(value, str):
        try:
            return round(float(value), 2)
        except ValueError:
            return value
    return value


def _close(a: Value, b: Value) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 0.011
    return a == b


def _project(rows: list[tuple[Value, ...]], picks: Sequence[int]) -> list[tuple[Value, ...]]:
    return [tuple(row[i] for i in picks) for row in rows]


def _same(gold: list[tuple[Value, ...]], pred: list[tuple[Value, ...]], ordered: bool) -> bool:
    if len(gold) != len(pred):
        return False
    if ordered:
        return all(
            all(_close(a, b) for a, b in zip(g, p, strict=True))
            for g, p in zip(gold, pred, strict=True)
        )
    if Counter(gold) == Counter(pred):
        return True
    key = lambda row: tuple((v is None, str(type(v)), v if v is not None else 0) for v in row)  # noqa: E731
    return _same(sorted(gold, key=key), sorted(pred, key=key), ordered=True)


def _candidates(
    gold: list[tuple[Value, ...]], pred: list[tuple[Value, ...]], width: int
) -> list[list[int]]:
    """For each gold column, the predicted columns holding the same multiset of values."""

    def column(rows: list[tuple[Value, ...]], i: int) -> Counter[Value]:
        return Counter(row[i] for row in rows)

    pred_columns = [column(pred, j) for j in range(width)]
    return [
        [j for j in range(width) if pred_columns[j] == column(gold, i)] or list(range(width))
        for i in range(len(gold[0]) if gold else 0)
    ]


def verdict(gold: Sequence[Row], pred: Sequence[Row], *, ordered: bool) -> Verdict:
    """Compare two results; see the module docstring for the rules."""
    gold_rows = [tuple(_cell(v) for v in row) for row in gold]
    pred_rows = [tuple(_cell(v) for v in row) for row in pred]
    if len(gold_rows) != len(pred_rows):
        return "wrong"
    if not gold_rows:
        return "right"
    gold_width, pred_width = len(gold_rows[0]), len(pred_rows[0])
    if pred_width < gold_width:
        return "wrong"
    options = _candidates(gold_rows, pred_rows, pred_width)
    tries = 0
    for picks in permutations(range(pred_width), gold_width):
        if pred_width > _MAX_COLUMNS and tries > 0:
            break
        if any(p not in options[i] for i, p in enumerate(picks)):
            continue
        tries += 1
        if _same(gold_rows, _project(pred_rows, picks), ordered):
            return "right" if pred_width == gold_width else "right_extra_columns"
    return "wrong"


def is_ordered(sql: str) -> bool:
    """Whether the outermost query orders its rows (then row order is compared too)."""
    tree = sqlglot.parse_one(sql, read="sqlite")
    return tree.args.get("order") is not None


def shape(sql: str) -> str:
    """A coarse class of the gold query: nested, join, group-by, order-by, aggregate, filter, list.

    The first that applies wins; nested means a subquery or a set operation.
    """
    tree = sqlglot.parse_one(sql, read="sqlite")
    if isinstance(tree, exp.SetOperation) or any(True for _ in tree.find_all(exp.Subquery)):
        return "nested"
    if tree.find(exp.In) is not None and tree.find(exp.In).args.get("query") is not None:  # type: ignore[union-attr]
        return "nested"
    if tree.args.get("joins"):
        return "join"
    if tree.args.get("group"):
        return "group-by"
    if tree.args.get("order"):
        return "order-by"
    if tree.find(exp.AggFunc) is not None:
        return "aggregate"
    if tree.args.get("where"):
        return "filter"
    return "list"
