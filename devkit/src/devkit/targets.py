"""A target resolver over one fixed demo target, for tests of the ask pipeline itself."""

from __future__ import annotations

from backend.core.errors import NotFound
from backend.targets.resolver import TargetResolver
from backend.targets.target import QueryTarget
from sqlalchemy.orm import Session


class _FixedDemo:
    def __init__(self, target: QueryTarget) -> None:
        self._target = target

    def target(self) -> QueryTarget:
        return self._target


class _NoConnections:
    def target(self, session: Session, user_id: str, connection_id: str) -> QueryTarget:
        raise NotFound("No such connection.")


def demo_only(target: QueryTarget) -> TargetResolver:
    """The demo is ``target``; every connection id answers 404, as for a user with none."""
    return TargetResolver(_FixedDemo(target), _NoConnections())
