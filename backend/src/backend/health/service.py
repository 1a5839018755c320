"""Is the app database reachable and migrated to the revision this code expects?

With a language model configured, the report also carries the last readiness probe of the
model server (``llm_probe.LlmHealth``: cached, refreshed in the background, never awaited).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from contract.health import DatabaseState
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from backend.data.database import current_revision

if TYPE_CHECKING:
    from backend.engines.openai.llm_probe import LlmHealth, ProbeResult


@dataclass(frozen=True)
class HealthReport:
    version: str
    commit: str | None
    database: DatabaseState
    llm_enabled: bool = False
    llm: ProbeResult | None = None  # None while the first probe runs


class HealthService:
    def __init__(
        self,
        engine: Engine,
        *,
        known: list[str],
        version: str,
        commit: str | None,
        llm: LlmHealth | None = None,
    ) -> None:
        """``known`` lists this code's revisions, newest first."""
        self._engine = engine
        self._llm = llm
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
        llm = self._llm.current() if self._llm is not None else None
        return HealthReport(self._version, self._commit, state, self._llm is not None, llm)
