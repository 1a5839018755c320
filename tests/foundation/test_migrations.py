"""Migrations build the same schema on PostgreSQL and SQLite, and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend.core.config import Settings, normalize_database_url
from backend.data.database import _alembic_config, current_revision, make_engine, upgrade
from backend.data.models import Base
from backend.data.revisions import known_revisions
from sqlalchemy import Engine, create_engine, inspect, text

USER_ID = "00000000-0000-4000-8000-000000000001"
ITEM_ID = "00000000-0000-4000-8000-000000000002"
OLD_USER = (
    "INSERT INTO users (id, email, provider, plan, created_at)"
    " VALUES (:u, 'a@b.c', 'local', 'free', CURRENT_TIMESTAMP)"
)
OLD_ANSWER = (
    "INSERT INTO query_history (id, user_id, question, sql, status, row_count, truncated,"
    " created_at) VALUES (:i, :u, 'q', 'SELECT 1', 'ok', 1, false, CURRENT_TIMESTAMP)"
)


def _assert_matches_models(url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"


def test_postgres_is_at_head_and_matches_models(pg_url: str) -> None:
    url = normalize_database_url(pg_url)
    engine = make_engine(Settings(), url=url)
    assert current_revision(engine) == known_revisions()[0]
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    _assert_matches_models(url)


def test_sqlite_gets_the_same_schema(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    engine = make_engine(settings)
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)  # idempotent: a second deploy's pre-deploy step changes nothing
    assert current_revision(engine) == known_revisions()[0]
    engine.dispose()
    _assert_matches_models(settings.sqlalchemy_url)


def _presentation_column(engine: Engine) -> bool:
    return "presentation" in {c["name"] for c in inspect(engine).get_columns("query_history")}


@pytest.mark.parametrize("database", ["postgres", "sqlite"])
def test_0004_adds_an_empty_presentation_to_older_history_and_goes_back(
    database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Rows answered before 0004 keep everything and arrive with no presentation (History
    opens them without insights); the downgrade drops only the column."""
    from alembic import command

    if database == "postgres":
        engine = make_engine(
            Settings(), url=normalize_database_url(request.getfixturevalue("pg_url"))
        )
        command.downgrade(_alembic_config(engine), "0003")
    else:
        engine = make_engine(Settings(data_dir=tmp_path))
        upgrade(engine, "0003")
    assert not _presentation_column(engine)
    with engine.begin() as conn:
        conn.execute(text(OLD_USER), {"u": USER_ID})
        conn.execute(text(OLD_ANSWER), {"i": ITEM_ID, "u": USER_ID})
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT question, sql, presentation FROM query_history WHERE id = :i"),
            {"i": ITEM_ID},
        ).one()
    assert tuple(row) == ("q", "SELECT 1", None)
    command.downgrade(_alembic_config(engine), "0003")
    assert not _presentation_column(engine)
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT sql FROM query_history")).scalars().all()
    engine.dispose()
    assert kept == ["SELECT 1"]
