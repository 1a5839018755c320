"""The demo database as a ``QueryTarget``: built on first use, then shared by every request.

Start-up stays fast because nothing is opened until a demo question arrives. The target's engine
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
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import QueuePool

from backend.core.config import Settings
from backend.core.errors import ServiceUnavailable
from backend.data.database import make_engine
from backend.demo import data as demo_data
from backend.safety.executor import DatabaseUnreachable
from backend.targets.introspect import introspect
from backend.targets.target import DEMO_TARGET, QueryTarget

log = logging.getLogger(__name__)


class DemoUnavailable(ServiceUnavailable):
    code = "demo_unavailable"


class DemoTargets:
    """Lazily builds and caches the demo ``QueryTarget`` (one engine, one introspection)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._target: QueryTarget | None = None

    def target(self) -> QueryTarget:
        """The demo target, loading the data first if this database has never had it."""
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
        dialect, schema = ("sqlite", None) if embedded else ("postgres", demo_data.DEMO_SCHEMA)
        engine = self._sqlite_engine() if embedded else make_engine(self._settings)
        try:
            if not embedded:
                self._prepare_postgres(engine)
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
        path = demo_data.sqlite_path(self._settings.data_dir)
        if not demo_data.sqlite_is_current(path):
            report = demo_data.load_sqlite(self._settings.data_dir)
            log.info("demo data loaded into %s in %.2f s", path.name, report.seconds)
        uri = f"file:{path.resolve()}?mode=ro"

        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            conn.execute("PRAGMA query_only = ON")
            return conn

        return create_engine("sqlite://", creator=connect, poolclass=QueuePool, pool_size=4)

    @staticmethod
    def _prepare_postgres(engine: Engine) -> None:
        """Load the demo if this database lacks it, then make the engine's logins read-only."""
        report = demo_data.load_postgres(engine)
        if report.loaded:
            log.info("demo data loaded into schema demo in %.2f s", report.seconds)
        if report.read_role is None:
            log.warning("demo queries run without the read-only role")
            return
        event.listen(engine, "connect", _switch_role(report.read_role))
        engine.dispose()  # connections opened by the loader ran as the app's own role


def _switch_role(role: str) -> Any:
    """Every connection of the demo engine runs as the role that may only SELECT."""
    from psycopg import sql

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        dbapi_connection.commit()

    return on_connect
