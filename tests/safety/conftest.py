"""Fixtures for the safety tests: the demo data in real PostgreSQL and SQLite, and a canary table.

Generating the demo takes about a second, so one copy is loaded per module into a database cloned
from the migrated template (the same way ``pg_url`` makes its databases).
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from backend.core.config import Settings
from backend.demo.target import DemoTargets
from backend.targets.target import QueryTarget
from devkit.keys import new_encryption_key

CANARY_ROWS = [(1, "alpha", 10), (2, "bravo", 20), (3, "charlie", 30)]


def pg_settings(libpq_url: str) -> Settings:
    return Settings(database_url=libpq_url, encryption_key=new_encryption_key())


@pytest.fixture(scope="module")
def pg_demo(module_pg_url: str) -> Iterator[QueryTarget]:
    """The demo target on PostgreSQL, built exactly as the app builds it."""
    demo = DemoTargets(pg_settings(module_pg_url))
    yield demo.target()
    demo.dispose()


def canary_rows(libpq_url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(libpq_url, autocommit=True) as conn:
        return list(conn.execute("SELECT id, name, amount FROM demo.canary ORDER BY id"))


def demo_totals(libpq_url: str) -> tuple[int, int]:
    with psycopg.connect(libpq_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM demo.loans), (SELECT count(*) FROM demo.borrowers)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def relation_names(libpq_url: str) -> set[str]:
    """Every relation outside the system schemas: a write that created something shows here."""
    with psycopg.connect(libpq_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
        )
        return {str(r[0]) for r in rows}


@pytest.fixture(scope="module")
def pg_canary(module_pg_url: str, pg_demo: QueryTarget) -> QueryTarget:
    """The demo target plus ``demo.canary``, a table an attack would love to change.

    The canary is readable by the demo's read-only role like every demo table, so only the
    write rules (not the table rules) stand in the way.
    """
    with psycopg.connect(module_pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE demo.canary (id int PRIMARY KEY, name text, amount int)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO demo.canary VALUES (%s, %s, %s)", CANARY_ROWS)
        conn.execute("GRANT SELECT ON demo.canary TO eaa_demo_reader")
    return pg_demo
