"""Fixtures of the ask tests: the demo on each database, an app database, a fake OpenAI."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from backend.core.config import Settings
from backend.data.database import make_engine
from backend.demo.load import load_postgres
from backend.demo.target import DemoTargets
from backend.targets.target import QueryTarget
from devkit.fake_openai import FakeOpenAI, running_fake_openai
from devkit.keys import new_encryption_key
from psycopg import sql
from sqlalchemy.orm import Session, sessionmaker

from devkit import mariadb
from tests.conftest import with_database


@pytest.fixture(scope="session")
def demo_postgres(pg_admin_url: str) -> Iterator[QueryTarget]:
    """The generated demo loaded into schema ``demo`` of a real PostgreSQL database."""
    name = f"ask_demo_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    settings = Settings(
        database_url=with_database(pg_admin_url, name), encryption_key=new_encryption_key()
    )
    engine = make_engine(settings)
    load_postgres(engine)
    engine.dispose()
    demo = DemoTargets(settings)
    yield demo.target()
    demo.dispose()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def app_sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated embedded app database (history, conversations, allowances)."""
    from backend.data.database import make_engine, make_session_factory, upgrade

    settings = Settings(data_dir=tmp_path / "app")
    engine = make_engine(settings)
    upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with running_fake_openai() as fake:
        yield fake


@pytest.fixture(scope="session")
def demo_mysql(mysql_server: mariadb.MariaDbServer, mysql_demo: str) -> Iterator[QueryTarget]:
    """The same generated demo on a real MariaDB server, as a user's connection (normal login)."""
    user, password = mariadb.create_reader(mysql_server, mysql_demo)
    target = mariadb.query_target(
        mysql_server.url(mysql_demo, user=user, password=password), key="mysql-demo"
    )
    yield target
    target.engine.dispose()
