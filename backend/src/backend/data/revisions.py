"""The migrations this code ships, read without SQLAlchemy or alembic.

Kept apart from ``data.database`` so the health check served while the app is still starting
(``backend.serving``) can tell whether the database is migrated without importing either.
"""

from __future__ import annotations

import ast
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def known_revisions() -> list[str]:
    """Every migration this code ships, newest first (read once at start-up).

    Read from the ``revision``/``down_revision`` literals our script template writes, not through
    alembic's ScriptDirectory: importing alembic (mako, every dialect's DDL) costs about half a
    second of each start. History must stay linear (one head, no merges), as it is today.
    """
    parents: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        literals = _literals(path, ("revision", "down_revision"))
        own, parent = literals.get("revision"), literals.get("down_revision")
        if not isinstance(own, str) or not (parent is None or isinstance(parent, str)):
            raise RuntimeError(f"{path.name}: revision ids must be plain strings (linear history)")
        parents[own] = parent
    heads = set(parents) - set(parents.values())
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    chain: list[str] = []
    revision: str | None = heads.pop()
    while revision is not None:
        if revision not in parents or revision in chain:
            raise RuntimeError(f"migration history is broken at {revision!r}")
        chain.append(revision)
        revision = parents[revision]
    if len(chain) != len(parents):
        raise RuntimeError("some migrations are not on the chain from the head")
    return chain


def _literals(path: Path, names: tuple[str, ...]) -> dict[str, object]:
    """Module-level ``name = <literal>`` assignments of a Python file, without running it."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in names:
                found[target.id] = ast.literal_eval(node.value)
    return found
