"""The guard refuses names that reach past the allowlist: foreign operators, session words.

Contract: services.sql_guard.check_sql — ``OPERATOR(schema.op)`` runs the function behind an
operator of any schema, so only pg_catalog's (or unqualified, pinned to pg_catalog first by the
executor) may be named; unquoted ``user``/``session_user``/``current_role``... read the session's
identity rather than data; qualified function calls (``schema.f()``, ``alias.f()``) stay refused.
"""

from __future__ import annotations

import pytest
from backend.safety.errors import SqlRefused
from backend.safety.guard import check_sql


def _check(sql: str) -> str:
    return check_sql(sql, dialect="postgres", enabled_tables=None, all_tables=["loans"])


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 OPERATOR(public.+) 2",
        'SELECT 1 OPERATOR("evil".===) 2',
        "SELECT user",
        "SELECT session_user, loan_id FROM loans",
        "SELECT current_role",
        "SELECT l.lower(l.grade) FROM loans l",
        "SELECT public.lower('x')",
    ],
)
def test_names_outside_the_allowlist_are_refused(sql: str) -> None:
    with pytest.raises(SqlRefused):
        _check(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 OPERATOR(pg_catalog.+) 2",
        'SELECT "user" FROM loans',
        "SELECT l.loan_id FROM loans l",
    ],
)
def test_built_in_operators_and_quoted_columns_pass(sql: str) -> None:
    assert _check(sql)
