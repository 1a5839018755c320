"""Is the app database reachable and migrated to the revision this code expects?"""

from __future__ import annotations

from dataclasses import dataclass

from contract.health import DatabaseState
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from backend.data.database import current_revision


@dataclass(frozen=True)
class HealthReport:
    version: str
    commit: str | None
    database: DatabaseState


class HealthService:
    def __init__(
        self, engine: Engine, *, known: list[str], version: str, commit: str | None
    ) -> None:
        """``known`` lists this code's revisions, newest first."""
        self._engine = engine
        self._head = known[0]
        self._older = set(known[1:])
        self._version = version
        self._commit = commit

    def check(self) -> HealthReport:
        try:
            revision = current_revision(self._engine)
        except SQLAlchemyError:
            state: DatabaseState = "unreachable"
        else:
            # A revision we do not know is newer than us: the next release migrated first
            # (expand/contract keeps it compatible), so this process stays healthy.
            behind = revision is None or revision in self._older
            state = "behind" if behind else "ok"
        return HealthReport(self._version, self._commit, state)
