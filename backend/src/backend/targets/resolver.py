"""The one way to find the database a request queries: the demo, or the caller's connection."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from backend.core.errors import Forbidden
from backend.core.principal import Principal
from backend.targets.target import DEMO_TARGET, QueryTarget


class SignupRequired(Forbidden):
    code = "signup_required"


class DemoSource(Protocol):
    def target(self) -> QueryTarget: ...


class ConnectionSource(Protocol):
    def target(self, session: Session, user_id: str, connection_id: str) -> QueryTarget: ...


class TargetResolver:
    """Anonymous visitors reach only the demo; a connection id resolves only for its owner
    (someone else's answers 404 like a missing one)."""

    def __init__(self, demo: DemoSource, connections: ConnectionSource) -> None:
        self._demo = demo
        self._connections = connections

    def resolve(self, session: Session, principal: Principal, connection_id: str) -> QueryTarget:
        if connection_id == DEMO_TARGET:
            return self._demo.target()
        if principal.user_id is None:
            raise SignupRequired("Sign up to ask questions of your own databases.")
        return self._connections.target(session, principal.user_id, connection_id)
