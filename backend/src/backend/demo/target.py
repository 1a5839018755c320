"""The demo database as a ``QueryTarget``: built on first use, then shared by every request.

Start-up stays fast because nothing is opened until a demo question arrives. The target only
opens and verifies the loaded copy; loading (DROP SCHEMA, CREATE ROLE) is the operator's step
(``demo.load``), never part of a web request. The target's engine
can only read: on PostgreSQL its connections switch to the read-only role (when the loader could
create it) and see only schema ``demo``; on SQLite the file is opened ``mode=ro`` with
``query_only`` on.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.exc import DatabaseError, OperationalError

from backend.core.config import Settings
from backend.core.dialects import Dialect
from backend.core.errors import ServiceUnavailable
from backend.data.database import make_engine
from backend.demo import catalogue, load
from backend.safety.executor import DatabaseUnreachable
from backend.targets.introspect import introspect
from backend.targets.sqlite_file import read_only_sqlite_engine
from backend.targets.target import DEMO_TARGET, QueryTarget

log = logging.getLogger(__name__)


NOT_LOADED = (
    "The demo database has not been loaded on this server yet (its operator runs "
    "`python -m backend load-demo`); please try again later."
)


class DemoUnavailable(ServiceUnavailable):
    code = "demo_unavailable"


class DemoTargets:
    """Lazily builds and caches the demo ``QueryTarget`` (one engine, one introspection)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._target: QueryTarget | None = None

    def target(self) -> QueryTarget:
        """The demo target; ``DemoUnavailable`` until the operator has loaded this version."""
        if self._target is None:
            with self._lock:
                if self._target is None:
                    self._target = self._build()
        return self._target

    def dispose(self) -> None:
        with self._lock:
            if self._target is not None:
                self._target.engine.dispose()
                self._target = None

    def _build(self) -> QueryTarget:
        embedded = self._settings.embedded
        dialect, schema = (
            (Dialect.SQLITE, None) if embedded else (Dialect.POSTGRES, catalogue.DEMO_SCHEMA)
        )
        engine = self._sqlite_engine() if embedded else make_engine(self._settings)
        try:
            if not embedded:
                self._open_postgres(engine)
            info = introspect(engine, dialect=dialect, db_schema=schema)
        except (OSError, sqlite3.Error, psycopg.Error, DatabaseError) as error:
            engine.dispose()
            if isinstance(error, OperationalError | psycopg.OperationalError):
                raise DatabaseUnreachable(
                    "The demo database cannot be reached right now; please retry shortly."
                ) from None
            log.error("demo database unavailable: %s", type(error).__name__)
            raise DemoUnavailable(
                "The demo database is not available right now; please retry shortly."
            ) from None
        return QueryTarget(
            key=DEMO_TARGET,
            engine=engine,
            dialect=dialect,
            db_schema=schema,
            schema_info=info,
            enabled_tables=None,
        )

    def _sqlite_engine(self) -> Engine:
        path = load.sqlite_path(self._settings.data_dir)
        if not load.sqlite_is_current(path):
            raise DemoUnavailable(NOT_LOADED)
        return read_only_sqlite_engine(path)

    @staticmethod
    def _open_postgres(engine: Engine) -> None:
        """Check this version of the demo is there, then make the engine's logins read-only."""
        current, role = load.postgres_status(engine)
        if not current:
            engine.dispose()
            raise DemoUnavailable(NOT_LOADED)
        if role is None:
            log.warning("demo queries run without the read-only role")
            return
        event.listen(engine, "connect", _switch_role(role))
        engine.dispose()  # the connection that checked ran as the app's own role


def _switch_role(role: str) -> Any:
    """Every connection of the demo engine runs as the role that may only SELECT."""
    from psycopg import sql

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        dbapi_connection.commit()

    return on_connect
