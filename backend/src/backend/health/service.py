"""Is the app database reachable and migrated to the revision this code expects?

With a language model configured, the report also carries the last readiness probe of the
model server (``llm_probe.LlmHealth``: cached, refreshed in the background, never awaited).
How the revision is read is given (the app's pooled engine, or a plain driver connection while
the app is still starting), so this module imports no database library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contract.health import DatabaseState, Health, LlmDetail

# When a degraded service is worth asking again.
RETRY_AFTER_SECONDS = 5

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
        revision: Callable[[], str | None],
        *,
        unreachable: tuple[type[Exception], ...],
        known: list[str],
        version: str,
        commit: str | None,
        llm: LlmHealth | None = None,
        llm_enabled: bool | None = None,
    ) -> None:
        """``revision`` reads the database's (None: never migrated), raising one of
        ``unreachable`` when it cannot; ``known`` lists this code's revisions, newest first.
        ``llm_enabled`` says a model is configured whose probe is not running yet."""
        self._revision = revision
        self._unreachable = unreachable
        self._llm = llm
        self._llm_enabled = llm is not None if llm_enabled is None else llm_enabled
        self._head = known[0]
        self._older = set(known[1:])
        self._version = version
        self._commit = commit

    def check(self) -> HealthReport:
        try:
            revision = self._revision()
        except self._unreachable:
            state: DatabaseState = "unreachable"
        else:
            # A revision we do not know is newer than us: the next release migrated first
            # (expand/contract keeps it compatible), so this process stays healthy.
            behind = revision is None or revision in self._older
            state = "behind" if behind else "ok"
        llm = self._llm.current() if self._llm is not None else None
        return HealthReport(self._version, self._commit, state, self._llm_enabled, llm)


def public(report: HealthReport) -> Health:
    """The report as the API shows it (503 goes with any database state but "ok")."""
    llm = None
    if report.llm_enabled:
        probe = report.llm
        llm = LlmDetail(state="checking")
        if probe is not None:
            llm = LlmDetail(
                state="ok" if probe.ok else "failing",
                mode=probe.mode,
                latency_ms=probe.latency_ms,
                context_tokens=probe.context_tokens,
                detail=probe.detail,
            )
    return Health(
        status="ok" if report.database == "ok" else "degraded",
        version=report.version,
        commit=report.commit,
        database=report.database,
        llm=llm,
    )
