"""Property-based proof that the guard never admits a write, whatever the text.

Contract: anything ``check_sql`` returns parses as exactly one SELECT (or set operation) with no
data-modifying node, no INTO, no locking clause and only allowlisted functions; everything else
raises ``SqlRefused`` or ``TableDisabled``, never another exception.
"""

from __future__ import annotations

import sqlglot
from backend.safety.guard import SAFE_FUNCTIONS, SqlRefused, TableDisabled, check_sql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from tests.safety.corpus import POSTGRES_ALLOWED

TABLES = frozenset({"loans", "borrowers"})
DIALECTS = st.sampled_from(["postgres", "sqlite"])
WRITE_NODES = (exp.DML, exp.DDL, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create,
               exp.Drop, exp.Alter, exp.Command, exp.Copy, exp.Into, exp.Lock, exp.Set,
               exp.Pragma, exp.TruncateTable, exp.Transaction, exp.Commit, exp.Attach)  # fmt: skip

table = st.sampled_from(["loans", "borrowers", "canary", "pg_class", "sqlite_master", "users"])
column = st.sampled_from(["loan_id", "grade", "loan_amount", "*", "1", "name"])
literal = st.one_of(
    st.integers(-5, 10**6).map(str),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12).map(
        lambda s: "'" + s.replace("'", "''") + "'"
    ),
)
condition = st.builds(lambda c, v: f"{c} = {v}", column, literal)

writes = st.one_of(
    st.builds(lambda t, v: f"INSERT INTO {t} VALUES ({v})", table, literal),
    st.builds(lambda t, c: f"INSERT INTO {t} SELECT * FROM {t} WHERE {c}", table, condition),
    st.builds(lambda t, c, v: f"UPDATE {t} SET {c} = {v}", table, column, literal),
    st.builds(lambda t, c: f"DELETE FROM {t} WHERE {c}", table, condition),
    st.builds(lambda t: f"DELETE FROM {t}", table),
    st.builds(lambda t: f"TRUNCATE {t}", table),
    st.builds(lambda t: f"DROP TABLE {t}", table),
    st.builds(lambda t: f"ALTER TABLE {t} ADD COLUMN x int", table),
    st.builds(lambda t: f"CREATE TABLE x AS SELECT * FROM {t}", table),
    st.builds(lambda t: f"CREATE INDEX i ON {t} (grade)", table),
    st.builds(lambda t: f"COPY {t} TO '/tmp/out'", table),
    st.builds(lambda t: f"GRANT SELECT ON {t} TO PUBLIC", table),
    st.builds(lambda t: f"MERGE INTO {t} USING {t} s ON true WHEN MATCHED THEN DELETE", table),
    st.sampled_from([
        "VACUUM", "ANALYZE", "BEGIN", "COMMIT", "ROLLBACK", "SET ROLE postgres",
        "RESET ALL", "DO $$ BEGIN NULL; END $$", "CALL p()", "LISTEN x", "NOTIFY x",
        "PRAGMA query_only = 0", "ATTACH 'x.db' AS x", "REINDEX", "CHECKPOINT",
        "DISCARD ALL", "LOCK TABLE loans", "PREPARE p AS SELECT 1", "EXECUTE p",
        "DEALLOCATE p", "SECURITY LABEL ON TABLE loans IS 'x'", "CLUSTER loans",
    ]),
)  # fmt: skip
reads = st.builds(
    lambda c, t, w: f"SELECT {c} FROM {t}" + (f" WHERE {w}" if w else ""),
    column,
    table,
    st.one_of(st.none(), condition),
)
wrapped_writes = st.one_of(
    st.builds(lambda w: f"WITH x AS ({w} RETURNING *) SELECT * FROM x", writes),
    st.builds(lambda w, r: f"WITH x AS ({r}), y AS ({w} RETURNING 1) SELECT 1", writes, reads),
    st.builds(lambda w: f"SELECT * FROM (WITH x AS ({w} RETURNING *) SELECT * FROM x) s", writes),
    st.builds(lambda r: f"{r} FOR UPDATE", reads),
    st.builds(lambda r: f"{r} FOR SHARE", reads),
    st.builds(lambda r: r.replace(" FROM ", " INTO stolen FROM ", 1), reads),
)
separators = st.sampled_from([";", ";\n", " ; ", ";--\n", "/* x */;", ";/**/"])
stacked = st.builds(
    lambda a, sep, b: f"{a}{sep}{b}", st.one_of(reads, writes), separators, st.one_of(writes, reads)
)
decorated = st.builds(
    lambda lead, body, tail: f"{lead}{body}{tail}",
    st.sampled_from(["", " ", "\n", "-- c\n", "/* c */ ", "(", "\t"]),
    st.one_of(writes, wrapped_writes),
    st.sampled_from(["", ";", " -- c", " /* ; */", ")", ";;"]),
)


def admitted(sql: str, dialect: str) -> str | None:
    try:
        return check_sql(sql, dialect=dialect, enabled_tables=None, all_tables=TABLES)
    except (SqlRefused, TableDisabled):
        return None


def assert_read_only(checked: str, dialect: str) -> None:
    statements = [s for s in sqlglot.parse(checked, read=dialect) if s is not None]
    assert len(statements) == 1
    tree = statements[0]
    assert isinstance(tree, exp.Select | exp.SetOperation | exp.Subquery)
    assert not any(isinstance(node, WRITE_NODES) for node in tree.walk())
    for func in tree.find_all(exp.Func):
        if isinstance(func, exp.Connector | exp.Binary | exp.Unary):
            continue
        name = func.name.lower() if isinstance(func, exp.Anonymous) else func.key
        assert name in SAFE_FUNCTIONS, name


PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROFILE
@given(sql=st.one_of(writes, wrapped_writes, stacked, decorated), dialect=DIALECTS)
def test_generated_writes_are_never_admitted(sql: str, dialect: str) -> None:
    # Every input holds a write, a lock, an INTO or a second statement: all are refused.
    assert admitted(sql, dialect) is None


@PROFILE
@given(sql=st.one_of(reads, st.text(max_size=200)), dialect=DIALECTS)
def test_any_text_is_refused_cleanly_or_is_a_single_read(sql: str, dialect: str) -> None:
    result = admitted(sql, dialect)
    if result is not None:
        assert_read_only(result, dialect)
        assert admitted(result, dialect) == result


@PROFILE
@given(
    tokens=st.lists(
        st.sampled_from([
            "SELECT", "FROM", "loans", "WHERE", "(", ")", ";", ",", "*", "1", "'x'", "--",
            "/*", "*/", "WITH", "AS", "DELETE", "INSERT", "INTO", "UPDATE", "SET", "RETURNING",
            "UNION", "FOR", "pg_sleep", "lower", "count", "\n", "$$", '"', "E'\\'", "grade",
        ]),
        max_size=25,
    ),
    dialect=DIALECTS,
)  # fmt: skip
def test_token_soup_never_yields_a_write(tokens: list[str], dialect: str) -> None:
    result = admitted(" ".join(tokens), dialect)
    if result is not None:
        assert_read_only(result, dialect)


FRAGMENTS = [
    "; DELETE FROM loans", ";DROP TABLE loans;", " INTO stolen ", " FOR UPDATE", " FOR SHARE",
    " pg_sleep(1) ", " pg_read_file('x') ", " lo_import('x') ", "nextval('s')", "/*", "*/",
    "--", "\n", "'", "''", '"', "$$", "$x$", " RETURNING * ", " WITH d AS (DELETE FROM loans "
    "RETURNING *) ", " UNION SELECT * FROM pg_class ", " , pg_catalog.pg_user ", "(", ")",
    " DELETE ", " INSERT INTO loans ", " SET ", " COPY ", "\\", "E'", ";--", ";/*",
]  # fmt: skip


@PROFILE
@given(
    base=st.sampled_from(sorted(POSTGRES_ALLOWED.values())),
    cuts=st.lists(
        st.tuples(st.integers(0, 400), st.sampled_from(FRAGMENTS)), min_size=1, max_size=3
    ),
)
def test_analytics_queries_with_spliced_attacks_stay_read_only(
    base: str, cuts: list[tuple[int, str]]
) -> None:
    """Known-good queries with attack fragments spliced in anywhere: never a write."""
    sql = base
    for position, fragment in cuts:
        at = position % (len(sql) + 1)
        sql = sql[:at] + fragment + sql[at:]
    result = admitted(sql, "postgres")
    if result is not None:
        assert_read_only(result, "postgres")
        assert admitted(result, "postgres") == result
