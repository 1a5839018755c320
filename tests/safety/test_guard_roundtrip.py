"""The SQL the guard hands back means the same as the SQL it was given.

Contract: ``check_sql`` regenerates the query from its syntax tree (dropping comments); on the
real demo databases the regenerated query returns exactly the rows of the original.
"""

from __future__ import annotations

import pytest
from backend.safety.executor import run_readonly
from backend.safety.guard import check_sql
from backend.targets.target import QueryTarget
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.safety.corpus import POSTGRES_ALLOWED, SQLITE_ALLOWED

POSTGRES_EXTRA = {
    "filter clause": (
        "SELECT grade, COUNT(*) FILTER (WHERE is_default) AS bad, COUNT(*) AS all_loans "
        "FROM loans GROUP BY grade ORDER BY grade"
    ),
    "any array": "SELECT COUNT(*) FROM loans WHERE grade = ANY(ARRAY['A', 'B'])",
    "distinct on": (
        "SELECT DISTINCT ON (grade) grade, loan_id, loan_amount FROM loans "
        "ORDER BY grade, loan_amount DESC, loan_id"
    ),
    "rollup": (
        "SELECT grade, term, COUNT(*) FROM loans GROUP BY ROLLUP (grade, term) "
        "ORDER BY grade NULLS LAST, term NULLS LAST"
    ),
    "interval arithmetic": (
        "SELECT COUNT(*) FROM loans WHERE issue_date >= DATE '2024-06-30' - INTERVAL '1 year'"
    ),
    "to_char months": (
        "SELECT to_char(issue_date, 'YYYY-MM') AS month, SUM(loan_amount) FROM loans "
        "WHERE issue_date BETWEEN '2023-01-01' AND '2023-12-31' GROUP BY 1 ORDER BY 1"
    ),
    "quarters": (
        "SELECT EXTRACT(QUARTER FROM issue_date) AS q, COUNT(*) FROM loans "
        "WHERE EXTRACT(YEAR FROM issue_date) = 2022 GROUP BY 1 ORDER BY 1"
    ),
    "string functions": (
        "SELECT upper(substring(purpose from 1 for 3)) || '-' || lower(grade), COUNT(*) "
        "FROM loans GROUP BY 1 ORDER BY 1"
    ),
    "dollar quoted literal": "SELECT COUNT(*) FROM loans WHERE purpose = $$car$$",
    "escaped quote": "SELECT COUNT(*) FROM loans WHERE purpose <> 'o''brien'",
    "fetch first": "SELECT loan_id FROM loans ORDER BY loan_id FETCH FIRST 3 ROWS ONLY",
    "bracketed query": "(SELECT COUNT(*) FROM loans)",
    "intersect and except": (
        "SELECT grade FROM loans WHERE term = 60 INTERSECT SELECT grade FROM loans "
        "EXCEPT SELECT 'G' ORDER BY 1"
    ),
    "stddev and casts": (
        "SELECT grade, ROUND(STDDEV(interest_rate)::numeric, 3), AVG(dti)::float "
        "FROM loans GROUP BY grade ORDER BY grade"
    ),
    "coalesce nullif": (
        "SELECT COALESCE(emp_length, 'unknown'), COUNT(NULLIF(home_ownership, 'RENT')) "
        "FROM borrowers GROUP BY 1 ORDER BY 1"
    ),
}
SQLITE_EXTRA = {
    "date modifiers": (
        "SELECT date(issue_date, 'start of month') AS m, COUNT(*) FROM loans "
        "WHERE issue_date LIKE '2023-%' GROUP BY 1 ORDER BY 1"
    ),
    "cast year": (
        "SELECT CAST(strftime('%Y', issue_date) AS INTEGER) AS y, SUM(loan_amount) "
        "FROM loans GROUP BY y ORDER BY y"
    ),
    "iif and printf": (
        "SELECT iif(term = 60, 'long', 'short') AS t, printf('%.1f', AVG(interest_rate)) "
        "FROM loans GROUP BY t ORDER BY t"
    ),
    "window rank": (
        "SELECT state, n, RANK() OVER (ORDER BY n DESC) FROM "
        "(SELECT state, COUNT(*) AS n FROM borrowers GROUP BY state) ORDER BY 3, 1 LIMIT 5"
    ),
    "substr and instr": (
        "SELECT substr(sub_grade, 2, 1), instr(purpose, '_') > 0, COUNT(*) FROM loans "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    ),
}
POSTGRES_QUERIES = {**POSTGRES_ALLOWED, **POSTGRES_EXTRA}
SQLITE_QUERIES = {**SQLITE_ALLOWED, **SQLITE_EXTRA}


def same_rows(target: QueryTarget, sql: str) -> int:
    """Assert the guard's output returns what the original returns; the number of rows."""
    checked = check_sql(
        sql,
        dialect=target.dialect,
        enabled_tables=None,
        all_tables=[t.name for t in target.schema_info.tables],
        db_schema=target.db_schema,
    )
    original = run_readonly(target, sql, row_cap=10_000, timeout_seconds=20)
    regenerated = run_readonly(target, checked, row_cap=10_000, timeout_seconds=20)
    assert regenerated.rows == original.rows
    return original.row_count


@pytest.mark.parametrize("sql", POSTGRES_QUERIES.values(), ids=POSTGRES_QUERIES.keys())
def test_postgres_meaning_is_kept(sql: str, pg_demo: QueryTarget) -> None:
    assert same_rows(pg_demo, sql) > 0


@pytest.mark.parametrize("sql", SQLITE_QUERIES.values(), ids=SQLITE_QUERIES.keys())
def test_sqlite_meaning_is_kept(sql: str, demo_sqlite: QueryTarget) -> None:
    assert same_rows(demo_sqlite, sql) > 0


text_pick = st.sampled_from(["grade", "purpose", "loan_status", "sub_grade"])
group_pick = st.one_of(text_pick, st.just("term"))
number_pick = st.sampled_from(["loan_amount", "interest_rate", "dti", "installment"])
aggregate = st.builds(
    lambda f, c: f"{f}({c})", st.sampled_from(["SUM", "AVG", "MIN", "MAX", "COUNT"]), number_pick
)
text_literal = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Co")),
    max_size=10,
).map(lambda s: "'" + s.replace("'", "''") + "'")
condition = st.one_of(
    st.builds(lambda c, v: f"{c} <> {v}", text_pick, text_literal),
    st.builds(lambda c, v: f"{c} > {v}", number_pick, st.integers(0, 40_000)),
    st.builds(lambda c, v: f"{c} LIKE {v}", text_pick, text_literal),
)
generated = st.builds(
    lambda group, agg, where, limit: (
        f"SELECT {group}, {agg} AS v FROM loans"
        + (f" WHERE {where}" if where else "")
        + f" GROUP BY {group} ORDER BY {group} LIMIT {limit}"
    ),
    group_pick,
    aggregate,
    st.one_of(st.none(), condition),
    st.integers(1, 40),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sql=generated, demo=st.sampled_from(["pg_demo", "demo_sqlite"]))
def test_generated_queries_keep_their_meaning(
    sql: str, demo: str, request: pytest.FixtureRequest
) -> None:
    """Random literals (quotes, unicode, backslashes) survive regeneration byte for byte."""
    same_rows(request.getfixturevalue(demo), sql)
