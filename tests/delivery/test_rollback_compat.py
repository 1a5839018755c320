"""Migrations stay compatible with the previous release (expand/contract) and form one line.

During a deploy the old release keeps serving while the new one's pre-deploy step has already
migrated the database, and a dashboard rollback runs the old release against the new schema.
``previous_release.sql`` holds the previous release's reads and writes of every app table
(frozen by ``scripts.freeze_release_queries``); they must all still work at the newest revision.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from backend.data.revisions import MIGRATIONS_DIR

SNAPSHOT = Path(__file__).with_name("previous_release.sql")


def statements() -> list[str]:
    """One statement per line, comments skipped, without the closing semicolon."""
    lines = SNAPSHOT.read_text().splitlines()
    return [line.rstrip(";") for line in lines if line.strip() and not line.startswith("--")]


def run_previous_release(url: str) -> None:
    with psycopg.connect(url) as conn:
        for statement in statements():
            cursor = conn.execute(statement)
            if statement.startswith("SELECT"):
                assert len(cursor.fetchall()) == 1, statement


# Tables the snapshot's release did not have yet (it cannot have queries of them); the next
# freeze, after this release ships, covers them and empties this set.
NEWER_THAN_SNAPSHOT = {"uploads"}


def test_snapshot_covers_reads_and_writes_of_every_table() -> None:
    from backend.data.models import Base

    found = statements()
    for table in set(Base.metadata.tables) - NEWER_THAN_SNAPSHOT:
        assert any(s.startswith(f"INSERT INTO {table} ") for s in found), table
        assert any(s.endswith(f"FROM {table}") for s in found), table


def test_previous_release_queries_work_at_the_newest_migration(pg_url: str) -> None:
    run_previous_release(pg_url)


def test_a_contracting_migration_would_be_caught(pg_url: str) -> None:
    """A required column without a default breaks the old release's writes; so would a drop."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE users ADD COLUMN display_name text NOT NULL")
    with pytest.raises(psycopg.errors.NotNullViolation):
        run_previous_release(pg_url)


def test_migration_history_is_one_line() -> None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    assert len(script.get_heads()) == 1, "two heads: give one a down_revision of the other"
    assert len(script.get_bases()) == 1
    revisions = list(script.walk_revisions())
    for revision in revisions:
        assert not isinstance(revision.down_revision, tuple | list), "no merge revisions"
    chain = [rev.revision for rev in script.iterate_revisions("heads", "base")]
    assert len(chain) == len(revisions)
