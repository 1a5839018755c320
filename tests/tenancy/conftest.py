"""Fixtures for tenancy tests: a real backend process, users, and a user's own database.

A user's database is another database on the throwaway PostgreSQL with its own password-protected
login role. The throwaway server trusts local socket connections, so the server does not check
the password there, but it still travels through parsing, encryption, pools and log redaction.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from devkit.keys import new_encryption_key
from devkit.processes import RunningProcess, backend_command, run_service
from devkit.users import register as sign_up
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.conftest import with_database


@dataclass(frozen=True)
class UserDatabase:
    url: str  # postgresql://role:password@127.0.0.1:<port>/db (users' connections are TCP)
    password: str
    name: str
    role: str


def backend_env(pg_url: str, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": pg_url,
        "ENCRYPTION_KEY": new_encryption_key(),
        "CONNECTIONS_ALLOW_PRIVATE_HOSTS": "true",
        "RATE_LIMIT_PER_MINUTE": "0",
        "RATE_LIMIT_USER_PER_MINUTE": "0",
        # These tests race questions to prove quota atomicity, not the work gate's limits.
        "TARGET_MAX_CONCURRENT": "20",
        "USER_DB_MAX_CONCURRENT": "40",
        **extra,
    }


@pytest.fixture
def backend(pg_url: str, work_dir: Path) -> Iterator[RunningProcess]:
    with run_service(
        backend_command(), env=backend_env(pg_url), health_path="/api/health", log_dir=work_dir
    ) as process:
        yield process


@pytest.fixture
def api(backend: RunningProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend.base_url, timeout=30.0) as client:
        yield client


def register(api: httpx.Client, email: str | None = None) -> dict[str, str]:
    """A fresh account as the tenancy tests read it: tokens, email, password, the header."""
    account = sign_up(api, email)
    return {
        "email": account.email,
        "password": account.password,
        "id": account.id,
        "access_token": account.access_token,
        "refresh_token": account.refresh_token,
        "authorization": account.headers["Authorization"],
    }


def bearer(user: dict[str, str]) -> dict[str, str]:
    return {"Authorization": user["authorization"]}


SAMPLE_TABLES = """
CREATE TABLE regions (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE sales (
    id integer PRIMARY KEY,
    region_id integer REFERENCES regions(id),
    amount numeric(10, 2) NOT NULL,
    sold_on date NOT NULL
);
INSERT INTO regions VALUES (1, 'North'), (2, 'South');
INSERT INTO sales SELECT g, 1 + g % 2, g * 10, DATE '2026-01-01' + g FROM generate_series(1, 50) g;
"""


def tcp_url(admin_url: str, **parts: str) -> str:
    """The admin URL's server over TCP (the throwaway server's socket → its loopback port)."""
    url = make_url(admin_url)
    host = url.host or "127.0.0.1"
    port = url.port or int(str(url.query.get("port") or 5432))
    tcp = url.set(host=host, port=port, query={}, **parts)
    return tcp.render_as_string(hide_password=False)


@pytest.fixture
def user_db(pg_admin_url: str) -> Iterator[UserDatabase]:
    """A database of the user's own, owned by a password-protected login role."""
    suffix = uuid.uuid4().hex[:10]
    name, role, password = f"userdb_{suffix}", f"analyst_{suffix}", secrets.token_urlsafe(18)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(role)
            )
        )
    admin_db = with_database(pg_admin_url, name)
    with psycopg.connect(admin_db, autocommit=True) as conn:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        conn.execute(SAMPLE_TABLES.encode())
    url = tcp_url(pg_admin_url, username=role, password=password, database=name)
    yield UserDatabase(url=url, password=password, name=name, role=role)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
