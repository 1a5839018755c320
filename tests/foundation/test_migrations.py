"""Migrations build the same schema on PostgreSQL and SQLite, and match the models."""

from __future__ import annotations

from pathlib import Path

from backend.core.config import Settings, normalize_database_url
from backend.data.database import current_revision, make_engine, upgrade
from backend.data.models import Base
from backend.data.revisions import known_revisions
from sqlalchemy import create_engine, inspect


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
