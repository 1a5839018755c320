"""The app database: one engine per process, sessions per request, migrations on demand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from backend.core.config import Settings
from backend.data.revisions import MIGRATIONS_DIR, known_revisions


def make_engine(settings: Settings, *, url: str | None = None) -> Engine:
    """Create the engine for the app database (PostgreSQL via psycopg 3, or embedded SQLite)."""
    url = url or settings.sqlalchemy_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=5,
        max_overflow=5,
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_timeout=10,
        # Bound values (token hashes, emails, sealed secrets) stay out of errors and logs.
        hide_parameters=True,
        connect_args={"connect_timeout": 5, "application_name": "eaa-backend"},
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_autocommit_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose every statement commits on its own, for units of one atomic statement
    each (a rate-limit count, the sign-in lookup): no BEGIN or COMMIT round trip, and nothing
    held locked after the statement. The same pool as ``make_session_factory``'s."""
    return sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    )


@contextmanager
def statements(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of independent statements (from ``make_autocommit_factory``): each one is
    already committed when it returns, whatever is raised later."""
    with factory() as session:
        yield session


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error. Services flush, never commit."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(engine: Engine | None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision``; already at head, return before loading alembic at all."""
    if revision == "head" and current_revision(engine) == known_revisions()[0]:
        return
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
