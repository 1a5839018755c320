"""The guard's MySQL/MariaDB dialect refuses that family's bypasses and admits analysts' SQL.

Contract: ``check_sql(sql, dialect="mysql", ...)`` returns one read-only SELECT in MySQL's
spelling (backtick quoting), calling only functions of ``MYSQL_FUNCTIONS``, naming only the
connection's own tables exactly as they are spelled; anything else raises ``SqlRefused``.
"""

from __future__ import annotations

import pytest
import sqlglot
from backend.safety.guard import MYSQL_FUNCTIONS, SqlRefused, TableDisabled, check_sql
from sqlglot import exp

from tests.safety.corpus import MYSQL_ALLOWED, MYSQL_ATTACKS

TABLES = frozenset({"loans", "borrowers", "canary"})


def mysql_check(sql: str, enabled: frozenset[str] | None = None) -> str:
    return check_sql(sql, dialect="mysql", enabled_tables=enabled, all_tables=TABLES)


@pytest.mark.parametrize("sql", MYSQL_ATTACKS.values(), ids=MYSQL_ATTACKS.keys())
def test_mysql_attacks_are_refused(sql: str) -> None:
    with pytest.raises(SqlRefused) as refused:
        mysql_check(sql)
    assert refused.value.status_code == 400
    assert len(refused.value.detail) > 15


@pytest.mark.parametrize("sql", MYSQL_ALLOWED.values(), ids=MYSQL_ALLOWED.keys())
def test_mysql_analytics_queries_pass_as_one_select(sql: str) -> None:
    checked = mysql_check(sql)
    tree = sqlglot.parse_one(checked, read="mysql")
    assert isinstance(tree, exp.Select | exp.Union)
    assert '"' not in checked.replace("\\'", "")  # identifiers, if quoted, use backticks
    assert "--" not in checked


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("SELECT SLEEP(1)", "sleep()"),
        ("SELECT BENCHMARK(10, 1)", "benchmark()"),
        ("SELECT GET_LOCK('a', 1)", "get_lock()"),
        ("SELECT LOAD_FILE('/etc/hostname')", "load_file()"),
        ("SELECT @x := 1", "session variables"),
        ("SELECT * FROM canary FOR UPDATE", "FOR UPDATE/SHARE"),
        ("SELECT * FROM canary LOCK IN SHARE MODE", "FOR UPDATE/SHARE"),
        ("SELECT amount INTO @v FROM canary", "INTO"),
        ("LOCK TABLES canary READ", "LOCK"),
        ("SELECT * FROM mysql.user", "System catalogs"),
        ("SELECT * FROM shop.loans", "outside this database"),
    ],
)
def test_refusals_name_what_was_refused(sql: str, words: str) -> None:
    with pytest.raises(SqlRefused, match=words.replace("(", r"\(").replace(")", r"\)")):
        mysql_check(sql)


def test_table_names_are_compared_as_written() -> None:
    """MySQL table names are case-sensitive on Linux: ``Loans`` is not ``loans``."""
    assert mysql_check("SELECT COUNT(*) FROM loans") == "SELECT COUNT(*) FROM loans"
    with pytest.raises(SqlRefused, match="Unknown table: Loans"):
        mysql_check("SELECT COUNT(*) FROM Loans")
    both = frozenset({"Loans", "loans"})
    with pytest.raises(TableDisabled):
        check_sql("SELECT * FROM Loans", dialect="mysql", enabled_tables={"loans"}, all_tables=both)


def test_the_regenerated_sql_is_written_for_mysql() -> None:
    checked = mysql_check(
        "SELECT \"Charged Off\" AS s, `grade`, grade || term FROM loans WHERE purpose = 'it\\'s'"
    )
    assert checked == (
        "SELECT 'Charged Off' AS s, `grade`, grade OR term FROM loans WHERE purpose = 'it''s'"
    )


def test_postgres_only_function_names_are_not_allowed_on_mysql() -> None:
    """A name that is no MySQL built-in would call a stored function of the user's database."""
    for name in ("age", "to_char", "julianday", "printf", "initcap", "make_date"):
        assert name not in MYSQL_FUNCTIONS
        with pytest.raises(SqlRefused, match="not allowed"):
            mysql_check(f"SELECT {name}(issue_date) FROM loans")


def test_a_column_named_user_is_a_column() -> None:
    """MySQL reads unquoted ``user`` as a column; its session functions need brackets."""
    accounts = frozenset({"accounts"})
    checked = check_sql(
        "SELECT user, COUNT(*) FROM accounts GROUP BY user",
        dialect="mysql",
        enabled_tables=None,
        all_tables=accounts,
    )
    assert checked == "SELECT user, COUNT(*) FROM accounts GROUP BY user"
    for session in ("SELECT CURRENT_USER", "SELECT CURRENT_USER()", "SELECT SESSION_USER()"):
        with pytest.raises(SqlRefused, match="not allowed"):
            check_sql(session, dialect="mysql", enabled_tables=None, all_tables=accounts)
