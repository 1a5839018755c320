"""The revision list read from the migration files agrees with alembic's own reading.

Health ("behind" vs "ok") and the embedded start's skip-when-at-head both rely on it, and it is
read without importing alembic, so alembic's ScriptDirectory is the reference it must match.
"""

from __future__ import annotations

from alembic.script import ScriptDirectory
from backend.data.revisions import MIGRATIONS_DIR, known_revisions


def test_known_revisions_match_alembics_walk_newest_first() -> None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    assert known_revisions() == [rev.revision for rev in script.walk_revisions()]
    assert known_revisions()[0] == script.get_current_head()
