"""On the embedded SQLite demo, the database layers alone stop every attack.

Contract: with the guard skipped, ``run_readonly`` on the demo file refuses writes, ATTACH,
PRAGMA, VACUUM INTO, extension loading and catalog reads (SQLite's authorizer, ``query_only``,
a ``mode=ro`` file, one statement per call); the file's bytes and the folder around it are
unchanged after every attempt.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from backend.core.errors import AppError
from backend.safety.executor import run_readonly
from backend.safety.guard import SqlRefused
from backend.targets.target import QueryTarget

from tests.safety.corpus import SQLITE_ATTACKS

OUTSIDE = {
    "attach a new file": "ATTACH DATABASE '{dir}/attached.db' AS x",
    "vacuum into a file": "VACUUM INTO '{dir}/copy.db'",
    "attach through a uri": "ATTACH 'file:{dir}/uri.db?mode=rwc' AS y",
}


def demo_file(target: QueryTarget) -> Path:
    with target.engine.connect() as conn:
        row = conn.exec_driver_sql("PRAGMA database_list").fetchone()
    assert row is not None
    return Path(str(row[2]))


@pytest.mark.parametrize(
    "sql", [*SQLITE_ATTACKS.values(), *OUTSIDE.values()], ids=[*SQLITE_ATTACKS, *OUTSIDE]
)
def test_raw_attacks_change_nothing(sql: str, demo_sqlite: QueryTarget, tmp_path: Path) -> None:
    path = demo_file(demo_sqlite)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    siblings = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(AppError):
        run_readonly(demo_sqlite, sql.format(dir=tmp_path), row_cap=5, timeout_seconds=2)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in path.parent.iterdir()) == siblings
    assert list(tmp_path.iterdir()) == []
    after = run_readonly(demo_sqlite, "SELECT count(*) FROM loans", row_cap=1, timeout_seconds=5)
    assert after.rows == [[50_000]]


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM loans",
        "UPDATE loans SET term = 1",
        "CREATE TABLE x (a int)",
        "PRAGMA query_only = OFF",
        "SELECT load_extension('x')",
        "SELECT sql FROM sqlite_master",
        "SELECT * FROM pragma_table_info('loans')",
    ],
)
def test_the_authorizer_explains_its_refusal(sql: str, demo_sqlite: QueryTarget) -> None:
    with pytest.raises(SqlRefused, match="read-only connection does not allow"):
        run_readonly(demo_sqlite, sql, row_cap=1, timeout_seconds=5)
