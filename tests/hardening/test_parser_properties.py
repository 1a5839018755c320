"""Property tests of every parser that reads user or operator input.

Contract: DATABASE_URL normalisation, the connection URL / ``.env`` parser and the SQL guard
either accept an input (and then keep its meaning) or refuse it with their documented error —
never another exception (which would answer 500), never a write statement let through.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from backend.connections.urls import InvalidConnection, parse
from backend.core.config import normalize_database_url
from backend.core.errors import AppError
from backend.safety.guard import SqlRefused, check_sql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLES = ["loans", "borrowers"]

_word = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12)
_host = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True)
_secret = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20)


@PROPERTIES
@given(st.text(max_size=200))
def test_database_url_normalisation_accepts_or_refuses_with_value_error(raw: str) -> None:
    try:
        result = normalize_database_url(raw)
    except ValueError:
        return
    assert result.startswith(("postgresql+psycopg://", "sqlite"))


@PROPERTIES
@given(
    scheme=st.sampled_from(["postgres", "postgresql", "POSTGRESQL", "postgresql+psycopg"]),
    user=_word,
    password=_secret,
    host=_host,
    port=st.integers(1, 65535),
    database=_word,
)
def test_database_url_normalisation_keeps_every_part(
    scheme: str, user: str, password: str, host: str, port: int, database: str
) -> None:
    raw = f"{scheme}://{user}:{quote(password, safe='')}@{host}:{port}/{database}"
    url = make_url(normalize_database_url(raw))
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.host, url.port, url.database) == (user, host, port, database)
    assert (url.password or "") == password


@PROPERTIES
@given(url=st.text(max_size=200), ssl=st.sampled_from([None, "require", "prefer", "bogus"]))
def test_connection_url_parser_never_fails_unexpectedly(url: str, ssl: str | None) -> None:
    try:
        spec = parse(url, None, ssl)
    except InvalidConnection:
        return
    assert spec.host
    assert spec.database
    assert 1 <= spec.port <= 65535


@PROPERTIES
@given(st.text(max_size=400))
def test_env_upload_parser_never_fails_unexpectedly(env_text: str) -> None:
    try:
        parse(None, env_text, None)
    except InvalidConnection:
        return


@PROPERTIES
@given(user=_word, password=_secret.filter(bool), host=_host, port=st.integers(1, 65535), db=_word)
def test_url_and_env_forms_describe_the_same_connection_without_the_password(
    user: str, password: str, host: str, port: int, db: str
) -> None:
    url = f"postgresql://{user}:{quote(password, safe='')}@{host}:{port}/{db}"
    env = f"PGHOST={host}\nPGPORT={port}\nPGDATABASE={db}\nPGUSER={user}\nPGPASSWORD='{password}'\n"
    from_url = parse(url, None, "require")
    assert from_url == parse(None, f"DATABASE_URL={url}\n", "require")
    if "'" not in password and "\\" not in password:
        assert parse(None, env, "require") == from_url
    assert from_url.password == password
    assert from_url.describe().password == "••••"
    assert from_url.display_url() == f"postgresql://{user}:••••@{host}:{port}/{db}"


_WRITES = st.sampled_from(
    [
        "INSERT INTO loans (loan_id) VALUES (1)",
        "UPDATE loans SET loan_amount = 0",
        "DELETE FROM borrowers",
        "DROP TABLE loans",
        "TRUNCATE loans",
        "ALTER TABLE loans ADD COLUMN x int",
        "CREATE TABLE x AS SELECT * FROM loans",
        "GRANT ALL ON loans TO public",
        "COPY loans TO '/tmp/out.csv'",
        "SELECT * INTO copy_of_loans FROM loans",
        "WITH d AS (DELETE FROM loans RETURNING *) SELECT * FROM d",
        "SELECT pg_sleep(10)",
        "SELECT * FROM loans FOR UPDATE",
    ]
)
_CASE = st.sampled_from([str.lower, str.upper, str])


@PROPERTIES
@given(
    write=_WRITES,
    case=_CASE,
    prefix=st.sampled_from(["", "SELECT 1; ", "/* hi */ ", "-- note\n", "  \n"]),
    suffix=st.sampled_from(["", ";", "; SELECT 1", " -- done"]),
)
def test_the_guard_never_lets_a_write_through(
    write: str, case: object, prefix: str, suffix: str
) -> None:
    statement = prefix + case(write) + suffix  # type: ignore[operator]
    with pytest.raises(SqlRefused):
        check_sql(statement, dialect="postgres", enabled_tables=None, all_tables=TABLES)


@PROPERTIES
@given(st.text(max_size=300), st.sampled_from(["postgres", "sqlite"]))
def test_the_guard_accepts_or_refuses_any_text(sql: str, dialect: str) -> None:
    try:
        checked = check_sql(sql, dialect=dialect, enabled_tables=None, all_tables=TABLES)
    except AppError:
        return
    # Whatever it accepts, it accepts again unchanged: the output is the checked statement.
    assert check_sql(checked, dialect=dialect, enabled_tables=None, all_tables=TABLES) == checked


@PROPERTIES
@given(
    column=st.sampled_from(["grade", "loan_amount", "interest_rate", "term"]),
    table=st.sampled_from(TABLES),
    limit=st.integers(1, 10_000),
    literal=st.text(max_size=20),
)
def test_reads_pass_and_stay_reads(column: str, table: str, limit: int, literal: str) -> None:
    quoted = "'" + literal.replace("'", "''") + "'"
    sql = f"SELECT {column}, COUNT(*) FROM {table} WHERE {column} <> {quoted} GROUP BY 1"
    sql += f" LIMIT {limit}"
    try:
        checked = check_sql(sql, dialect="postgres", enabled_tables=None, all_tables=TABLES)
    except SqlRefused:
        checked = None
    if checked is None:
        # Refusing a plain read is only allowed for invisible or control characters.
        assert not literal.isprintable()
        return
    assert checked.upper().startswith("SELECT")
    again = check_sql(checked, dialect="postgres", enabled_tables=None, all_tables=TABLES)
    assert again == checked
