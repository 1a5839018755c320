"""Spider's hardness levels (easy, medium, hard, extra), from the parsed gold query.

Follows the rules of the official evaluation script (``eval_hardness`` and its counters),
written anew over the ``sql`` dictionaries that Spider's ``dev.json`` carries. The counting
quirks are kept on purpose (a WHERE condition "has an aggregate" when its NOT flag is set), so
the levels agree with published Spider figures.
"""

from __future__ import annotations

from typing import Any

_LIKE = 9  # index of 'like' in Spider's WHERE_OPS
Sql = dict[str, Any]


def _conds(sql: Sql) -> list[Any]:
    return list(sql["from"]["conds"][::2]) + list(sql["where"][::2]) + list(sql["having"][::2])


def _joiners(sql: Sql) -> list[Any]:
    return list(sql["from"]["conds"][1::2]) + list(sql["where"][1::2]) + list(sql["having"][1::2])


def _nested(sql: Sql) -> list[Sql]:
    found = [v for cond in _conds(sql) for v in (cond[3], cond[4]) if isinstance(v, dict)]
    found += [sql[k] for k in ("intersect", "except", "union") if sql[k] is not None]
    return found


def _component1(sql: Sql) -> int:
    count = sum(bool(sql[k]) for k in ("where", "groupBy", "orderBy"))
    count += sql["limit"] is not None
    units = sql["from"]["table_units"]
    count += max(len(units) - 1, 0)
    count += sum(1 for joiner in _joiners(sql) if joiner == "or")
    count += sum(1 for cond in _conds(sql) if cond[1] == _LIKE)
    return int(count)


def _aggregates(units: list[Any]) -> int:
    return sum(1 for unit in units if unit[0] != 0)


def _others(sql: Sql) -> int:
    aggs = _aggregates(sql["select"][1]) + _aggregates(sql["where"][::2])
    aggs += _aggregates(sql["groupBy"])
    if sql["orderBy"]:
        order_units = sql["orderBy"][1]
        aggs += _aggregates(
            [u[1] for u in order_units if u[1]] + [u[2] for u in order_units if u[2]]
        )
    aggs += _aggregates(sql["having"])
    checks = (aggs > 1, len(sql["select"][1]) > 1, len(sql["where"]) > 1, len(sql["groupBy"]) > 1)
    return sum(checks)


def hardness(sql: Sql) -> str:
    """``easy``, ``medium``, ``hard`` or ``extra`` for one parsed gold query."""
    one, two, others = _component1(sql), len(_nested(sql)), _others(sql)
    if one <= 1 and others == 0 and two == 0:
        return "easy"
    if (others <= 2 and one <= 1 and two == 0) or (one <= 2 and others < 2 and two == 0):
        return "medium"
    if (
        (others > 2 and one <= 2 and two == 0)
        or (2 < one <= 3 and others <= 2 and two == 0)
        or (one <= 1 and others == 0 and two <= 1)
    ):
        return "hard"
    return "extra"
