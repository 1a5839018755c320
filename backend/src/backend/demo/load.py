"""Load the generated demo into its own PostgreSQL schema (readable by a role that can only
SELECT) or into a separate read-only SQLite file. A version marker makes loading idempotent.

Loading belongs to the operator's commands (``python -m backend load-demo``, run before a deploy
takes traffic, and ``serve`` on embedded defaults), never to a web request.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from backend.demo.catalogue import (
    DEMO_READ_ROLE,
    DEMO_SCHEMA,
    GENERATOR_VERSION,
    LOAN_COUNT,
    SQLITE_FILE,
    TABLES,
)
from backend.demo.generate import SEED, DemoDataset, generate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadReport:
    loaded: bool  # False when the same version was already there
    seconds: float
    loans: int
    target: str
    read_role: str | None = None


_MARKER_QUERY = "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s"


def _marker() -> str:
    return f"eaa-demo v{GENERATOR_VERSION} seed {SEED} loans {LOAN_COUNT}"


def sqlite_path(data_dir: Path) -> Path:
    return data_dir / SQLITE_FILE


def sqlite_is_current(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error:
        return False
    return int(version) == GENERATOR_VERSION


def load_sqlite(data_dir: Path, *, dataset: DemoDataset | None = None) -> LoadReport:
    """Write ``demo.sqlite`` next to the app database; swap it in atomically when complete."""
    started = time.perf_counter()
    path = sqlite_path(data_dir)
    if sqlite_is_current(path):
        return LoadReport(False, time.perf_counter() - started, LOAN_COUNT, str(path))
    data_dir.mkdir(parents=True, exist_ok=True)
    dataset = dataset or generate()
    # A private name per writer: two processes starting together never share a half-written file.
    partial = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.partial")
    conn = sqlite3.connect(partial)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        for name, columns in TABLES.items():
            spec = ", ".join(f"{c.name} {c.sqlite}" for c in columns)
            conn.execute(f"CREATE TABLE {name} ({spec})")
            marks = ", ".join("?" * len(columns))
            conn.executemany(
                f"INSERT INTO {name} VALUES ({marks})", _sqlite_rows(dataset.rows(name))
            )
        for statement in _index_statements(schema=None):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {GENERATOR_VERSION}")
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()
    except BaseException:
        conn.close()
        partial.unlink(missing_ok=True)
        raise
    conn.close()
    partial.replace(path)
    return LoadReport(True, time.perf_counter() - started, len(dataset.loans), str(path))


def _sqlite_rows(rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    # Dates as ISO text (SQLite's own date functions read them); booleans as 0/1.
    for row in rows:
        yield tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row)


def _index_statements(schema: str | None) -> list[str]:
    prefix = f"{schema}." if schema else ""
    return [
        f"CREATE INDEX loans_borrower_idx ON {prefix}loans (borrower_id)",
        f"CREATE INDEX loans_issue_date_idx ON {prefix}loans (issue_date)",
        f"CREATE INDEX loans_grade_idx ON {prefix}loans (grade)",
    ]


def postgres_status(engine: Engine) -> tuple[bool, str | None]:
    """Whether this version of the demo is loaded, and the read-only role this login may switch
    to (None when it may not)."""
    raw = engine.raw_connection()
    try:
        conn: Any = raw.driver_connection
        marker = conn.execute(_MARKER_QUERY, (DEMO_SCHEMA,)).fetchone()
        current = marker is not None and marker[0] == _marker()
        role = _reader_role_usable(conn) if current else None
        conn.rollback()
        return current, role
    finally:
        raw.close()


def load_postgres(engine: Engine, *, dataset: DemoDataset | None = None) -> LoadReport:
    """(Re)create schema ``demo`` with the data, readable by the read-only role.

    One transaction under an advisory lock, so replicas starting together load it once and a
    reader never sees a half-loaded schema. The schema's comment carries the version marker.
    """
    import psycopg
    from psycopg import sql

    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, psycopg.Connection)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('eaa-demo-load'))")
            marker = conn.execute(_MARKER_QUERY, (DEMO_SCHEMA,)).fetchone()
            if marker is not None and marker[0] == _marker():
                role = _reader_role_usable(conn)
                return LoadReport(
                    False, time.perf_counter() - started, LOAN_COUNT, "postgres", role
                )
            dataset = dataset or generate()
            schema = sql.Identifier(DEMO_SCHEMA)
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
            conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(schema))
            for name, columns in TABLES.items():
                spec = ", ".join(f"{c.name} {c.postgres}" for c in columns)
                conn.execute(f"CREATE TABLE {DEMO_SCHEMA}.{name} ({spec})")
                names = ", ".join(c.name for c in columns)
                copy = f"COPY {DEMO_SCHEMA}.{name} ({names}) FROM STDIN"
                with conn.cursor().copy(copy) as writer:
                    for row in dataset.rows(name):
                        writer.write_row(row)
            for statement in _index_statements(DEMO_SCHEMA):
                conn.execute(statement)
            conn.execute(
                sql.SQL("COMMENT ON SCHEMA {} IS {}").format(schema, sql.Literal(_marker()))
            )
            conn.execute(f"ANALYZE {DEMO_SCHEMA}.borrowers")
            conn.execute(f"ANALYZE {DEMO_SCHEMA}.loans")
            role = _grant_reader(conn)
    finally:
        raw.close()
    return LoadReport(True, time.perf_counter() - started, len(dataset.loans), "postgres", role)


def _grant_reader(conn: Any) -> str | None:
    """Create the NOLOGIN role that may only read the demo, and let the app switch to it.

    Without the right to create roles this logs a warning and returns None: the guard and the
    READ ONLY transaction still stand.
    """
    from psycopg import errors, sql

    role = sql.Identifier(DEMO_READ_ROLE)
    schema = sql.Identifier(DEMO_SCHEMA)
    try:
        with conn.transaction():
            exists = conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (DEMO_READ_ROLE,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(role))
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
            conn.execute(
                sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role)
            )
            member = conn.execute(
                "SELECT pg_has_role(current_user, %s, 'MEMBER')", (DEMO_READ_ROLE,)
            ).fetchone()
            if not (member and member[0]):
                conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(role))
    except (errors.InsufficientPrivilege, errors.DuplicateObject) as error:
        log.warning(
            "demo read-only role %s unavailable (%s); relying on the SQL guard and read-only "
            "transactions",
            DEMO_READ_ROLE,
            type(error).__name__,
        )
        return None
    return _reader_role_usable(conn)


def _reader_role_usable(conn: Any) -> str | None:
    """The read-only role's name when this login may switch to it and it can read the demo."""
    tables = [f"{DEMO_SCHEMA}.{name}" for name in TABLES]
    can_read = " ".join("AND has_table_privilege(r.oid, %s, 'SELECT')" for _ in tables)
    row = conn.execute(
        "SELECT pg_has_role(current_user, r.oid, 'MEMBER') "
        f"AND has_schema_privilege(r.oid, %s, 'USAGE') {can_read} "
        "FROM pg_roles r WHERE r.rolname = %s",
        (DEMO_SCHEMA, *tables, DEMO_READ_ROLE),
    ).fetchone()
    return DEMO_READ_ROLE if row and row[0] else None
