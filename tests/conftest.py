"""Shared fixtures: a real PostgreSQL for the whole session, a fresh database per test.

``TEST_DATABASE_URL`` (a server the caller provides; the role needs CREATEDB) replaces the
throwaway server; ``TEST_MYSQL_URL`` likewise replaces the throwaway MariaDB server (a login
that may create databases and users), started only by tests that ask for it. Each test that
asks for ``pg_url`` gets its own database cloned from a migrated template, so tests can run
real server processes and still be isolated.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from backend.targets.target import QueryTarget
from devkit.postgres import throwaway_server
from psycopg import sql
from sqlalchemy.engine import make_url

from devkit import mariadb

TEMPLATE_DB = "eaa_test_template"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A libpq URL for a superuser-ish role on a real PostgreSQL server."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    with throwaway_server() as server:
        yield server.url()


def _admin_connect(admin_url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(admin_url, autocommit=True)


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> str:
    """A database migrated to head, with the demo loaded (as the deploy's pre-deploy step does),
    once per session; tests clone it."""
    from backend.core.config import Settings
    from backend.data.database import make_engine, upgrade
    from backend.demo.load import load_postgres

    template = f"{TEMPLATE_DB}_{os.getpid()}"
    with _admin_connect(pg_admin_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(template)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
    url = with_database(pg_admin_url, template)
    engine = make_engine(Settings(), url=to_sqlalchemy(url))
    upgrade(engine)
    load_postgres(engine)
    engine.dispose()
    return template


def to_sqlalchemy(libpq_url: str) -> str:
    from backend.core.config import normalize_database_url

    return normalize_database_url(libpq_url)


@contextmanager
def cloned_database(admin_url: str, template: str, prefix: str) -> Iterator[str]:
    """A new database cloned from ``template`` (libpq URL form), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _admin_connect(admin_url) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    yield with_database(admin_url, name)
    with _admin_connect(admin_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def pg_url(pg_admin_url: str, pg_template: str) -> Iterator[str]:
    """A fresh, migrated database for this test (libpq URL form, as Railway injects it)."""
    with cloned_database(pg_admin_url, pg_template, "t") as url:
        yield url


@pytest.fixture(scope="module")
def module_pg_url(pg_admin_url: str, pg_template: str) -> Iterator[str]:
    """A migrated database shared by one test module (libpq URL)."""
    with cloned_database(pg_admin_url, pg_template, "s") as url:
        yield url


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    """A private folder a server process may write its data and log into."""
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueryTarget]:
    """The generated demo in its embedded SQLite file (loaded as `serve` does on embedded
    defaults), opened read-only as the app does."""
    from backend.core.config import Settings
    from backend.demo.load import load_sqlite
    from backend.demo.target import DemoTargets

    data_dir = tmp_path_factory.mktemp("demo-sqlite")
    load_sqlite(data_dir)
    demo = DemoTargets(Settings(data_dir=data_dir))
    yield demo.target()
    demo.dispose()


MYSQL_DEMO_DB = "eaa_demo"


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[mariadb.MariaDbServer]:
    """A real MariaDB server (throwaway, or the one ``TEST_MYSQL_URL`` names)."""
    with mariadb.test_server() as server:
        yield server


@pytest.fixture(scope="session")
def mysql_demo(mysql_server: mariadb.MariaDbServer) -> Iterator[str]:
    """The name of a database on ``mysql_server`` holding the generated demo (loaded once)."""
    database = f"{MYSQL_DEMO_DB}_{os.getpid()}"
    mariadb.create_database(mysql_server, database)
    mariadb.load_demo(mysql_server, database)
    yield database
    mariadb.drop_database(mysql_server, database)
