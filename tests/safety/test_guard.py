"""The SQL guard refuses every known bypass and admits the queries analysts actually write.

Contract: ``check_sql(sql, *, dialect, enabled_tables, all_tables, db_schema=None) -> str``
returns one read-only SELECT regenerated from its syntax tree, or raises ``SqlRefused`` (400,
"sql_refused") / ``TableDisabled`` (409, "table_disabled", extra ``tables``).
"""

from __future__ import annotations

import pytest
import sqlglot
from backend.safety.guard import SqlRefused, TableDisabled, check_sql
from sqlglot import exp

from tests.safety.corpus import POSTGRES_ALLOWED, POSTGRES_ATTACKS, SQLITE_ALLOWED, SQLITE_ATTACKS

DEMO_TABLES = frozenset({"loans", "borrowers", "canary"})


def pg_check(sql: str, enabled: frozenset[str] | None = None) -> str:
    return check_sql(
        sql, dialect="postgres", enabled_tables=enabled, all_tables=DEMO_TABLES, db_schema="demo"
    )


def sqlite_check(sql: str) -> str:
    return check_sql(sql, dialect="sqlite", enabled_tables=None, all_tables=DEMO_TABLES)


@pytest.mark.parametrize("sql", POSTGRES_ATTACKS.values(), ids=POSTGRES_ATTACKS.keys())
def test_postgres_attacks_are_refused(sql: str) -> None:
    with pytest.raises(SqlRefused) as refused:
        pg_check(sql)
    assert refused.value.status_code == 400
    assert refused.value.code == "sql_refused"
    assert len(refused.value.detail) > 15


@pytest.mark.parametrize("sql", SQLITE_ATTACKS.values(), ids=SQLITE_ATTACKS.keys())
def test_sqlite_attacks_are_refused(sql: str) -> None:
    with pytest.raises(SqlRefused):
        sqlite_check(sql)


@pytest.mark.parametrize("sql", POSTGRES_ALLOWED.values(), ids=POSTGRES_ALLOWED.keys())
def test_postgres_analytics_queries_pass_as_one_select(sql: str) -> None:
    checked = pg_check(sql)
    statements = sqlglot.parse(checked, read="postgres")
    assert len(statements) == 1
    assert isinstance(statements[0], exp.Select | exp.SetOperation)
    assert "--" not in checked
    assert "/*" not in checked
    assert pg_check(checked) == checked  # the output is a fixed point of the guard


@pytest.mark.parametrize("sql", SQLITE_ALLOWED.values(), ids=SQLITE_ALLOWED.keys())
def test_sqlite_analytics_queries_pass(sql: str) -> None:
    checked = sqlite_check(sql)
    assert sqlite_check(checked) == checked


def test_messages_name_what_was_refused() -> None:
    cases = {
        "SELECT 1; DROP TABLE loans": "Only one statement",
        "WITH d AS (DELETE FROM loans RETURNING *) SELECT * FROM d": "DELETE",
        "SELECT * INTO stolen FROM loans": "INTO",
        "SELECT * FROM loans FOR UPDATE": "FOR UPDATE",
        "SELECT pg_sleep(5)": "pg_sleep()",
        "SELECT * FROM pg_class": "System catalogs",
        "SELECT * FROM orders": "Unknown table: orders",
        "DO $$ BEGIN END $$": "'DO'",
        "SELECT 1\u200b": "U+200B",
    }
    for sql, fragment in cases.items():
        with pytest.raises(SqlRefused) as refused:
            pg_check(sql)
        assert fragment in refused.value.detail, (sql, refused.value.detail)


def test_disabled_table_is_named_so_the_ui_can_offer_to_enable_it() -> None:
    sql = (
        "SELECT b.state, COUNT(*) FROM loans l JOIN borrowers b "
        "ON b.borrower_id = l.borrower_id GROUP BY 1"
    )
    with pytest.raises(TableDisabled) as disabled:
        pg_check(sql, enabled=frozenset({"loans"}))
    assert disabled.value.status_code == 409
    assert disabled.value.code == "table_disabled"
    assert disabled.value.extra == {"tables": ["borrowers"]}
    assert "borrowers" in disabled.value.detail
    assert pg_check(sql, enabled=frozenset({"loans", "borrowers"}))


def test_unknown_table_names_the_usable_ones() -> None:
    with pytest.raises(SqlRefused) as refused:
        pg_check("SELECT * FROM loan", enabled=frozenset({"loans", "borrowers"}))
    assert refused.value.detail == "Unknown table: loan. Tables you can use: borrowers, loans."


def test_unknown_table_wins_over_a_disabled_one() -> None:
    with pytest.raises(SqlRefused) as refused:
        pg_check("SELECT * FROM borrowers, secrets", enabled=frozenset({"loans"}))
    assert "secrets" in refused.value.detail
    assert not isinstance(refused.value, TableDisabled)


def test_cte_names_are_scoped_like_postgres() -> None:
    enabled = frozenset({"loans"})
    # A CTE may shadow a table name; its body still reads the real (enabled) table.
    assert pg_check("WITH borrowers AS (SELECT * FROM loans) SELECT * FROM borrowers", enabled)
    # A later CTE sees an earlier one.
    assert pg_check("WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT * FROM b", enabled)
    # Outside the subquery that defines it, the name is the real table again.
    with pytest.raises(TableDisabled):
        pg_check(
            "SELECT * FROM (WITH borrowers AS (SELECT 1) SELECT * FROM borrowers) s, borrowers",
            enabled,
        )
    # In a non-recursive WITH a CTE's own body sees the real table, not itself.
    with pytest.raises(TableDisabled):
        pg_check("WITH borrowers AS (SELECT * FROM borrowers) SELECT 1", enabled)
    # An earlier CTE does not see a later one.
    with pytest.raises(SqlRefused, match="Unknown table: b"):
        pg_check("WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a", enabled)


def test_identifier_case_follows_the_dialect() -> None:
    assert pg_check("SELECT COUNT(*) FROM LOANS")  # unquoted names fold to lower case
    with pytest.raises(SqlRefused, match="Unknown table: LOANS"):
        pg_check('SELECT COUNT(*) FROM "LOANS"')  # quoted names are exact
    mixed = frozenset({"Orders"})
    assert check_sql(
        'SELECT * FROM "Orders"', dialect="postgres", enabled_tables=None, all_tables=mixed
    )
    assert check_sql(
        "SELECT * FROM orders", dialect="sqlite", enabled_tables=None, all_tables=mixed
    )
    with pytest.raises(SqlRefused, match='need double quotes: "Orders"'):
        check_sql("SELECT * FROM Orders", dialect="postgres", enabled_tables=None, all_tables=mixed)


def test_schema_qualifiers_must_be_the_targets_own() -> None:
    assert pg_check("SELECT COUNT(*) FROM demo.loans")
    plain = {"dialect": "postgres", "enabled_tables": None, "all_tables": DEMO_TABLES}
    assert check_sql("SELECT COUNT(*) FROM public.loans", **plain)  # type: ignore[arg-type]
    with pytest.raises(SqlRefused, match="outside"):
        check_sql("SELECT COUNT(*) FROM demo.loans", **plain)  # type: ignore[arg-type]


def test_quoted_builtin_names_are_written_plainly() -> None:
    checked = pg_check('SELECT "age"(issue_date), "lower"(grade) FROM loans')
    assert '"' not in checked
    assert "AGE(issue_date)" in checked


def test_comments_never_reach_the_database() -> None:
    checked = pg_check("SELECT /* secret */ COUNT(*) -- trailing\nFROM loans")
    assert "secret" not in checked
    assert "trailing" not in checked


def test_oversized_and_unsupported_input_is_refused() -> None:
    with pytest.raises(SqlRefused, match="longer than"):
        pg_check("SELECT 1 " + " " * 100_001)
    with pytest.raises(SqlRefused, match="not supported"):
        check_sql("SELECT 1", dialect="oracle", enabled_tables=None, all_tables=DEMO_TABLES)
    with pytest.raises(SqlRefused, match=r"nested too deeply|could not be read|words and symbols"):
        pg_check("SELECT " + "(" * 5000 + "1" + ")" * 5000)
