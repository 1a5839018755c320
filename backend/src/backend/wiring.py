"""The app's long-lived parts, built in one place and handed to routes through ``api.deps``.

Everything here is shared by every request and holds no per-user state: the app database,
the auth provider, the user-database pools, the demo, the question engine and the health check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from backend.accounts.providers import AuthProvider, build_auth
from backend.ask.running import RunningQuestions
from backend.connections.service import ConnectionRegistry
from backend.core.config import Settings
from backend.core.crypto import load_keyring
from backend.data.database import (
    current_revision,
    make_autocommit_factory,
    make_engine,
    make_session_factory,
)
from backend.data.revisions import known_revisions
from backend.demo.target import DemoTargets
from backend.engines import LazyEngine
from backend.engines.openai.llm_probe import LlmHealth
from backend.health.service import HealthService
from backend.targets.resolver import TargetResolver
from backend.uploads.service import UploadService
from backend.uploads.storage import build_storage
from backend.version import __version__


@dataclass(frozen=True)
class AppServices:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    autocommit: sessionmaker[Session]  # one statement, one commit (rate limits, sign-in lookup)
    auth: AuthProvider
    connections: ConnectionRegistry
    uploads: UploadService
    demo: DemoTargets
    targets: TargetResolver
    question_engine: LazyEngine  # offline unless OPENAI_API_KEY is set; built on first use
    health: HealthService
    questions: RunningQuestions  # the questions being streamed now, to stop by id

    def dispose(self) -> None:
        self.connections.dispose()
        self.demo.dispose()
        self.engine.dispose()


def build_services(settings: Settings) -> AppServices:
    """Nothing here connects anywhere: pools and the demo open on first use."""
    engine = make_engine(settings)
    keyring = load_keyring(settings)
    sessions = make_session_factory(engine)
    connections = ConnectionRegistry(settings, keyring, build_storage(settings))
    demo = DemoTargets(settings)
    return AppServices(
        settings=settings,
        engine=engine,
        sessions=sessions,
        autocommit=make_autocommit_factory(engine),
        auth=build_auth(settings, sessions, keyring),
        connections=connections,
        uploads=UploadService(settings, connections.storage, connections),
        demo=demo,
        targets=TargetResolver(demo, connections),
        question_engine=LazyEngine(settings),
        health=HealthService(
            partial(current_revision, engine),
            unreachable=(SQLAlchemyError,),
            known=known_revisions(),
            version=__version__,
            commit=settings.commit_sha,
            llm=LlmHealth(settings) if settings.llm_enabled else None,
        ),
        questions=RunningQuestions(),
    )
