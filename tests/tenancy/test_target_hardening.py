"""Saved connections: built-ins cannot be shadowed, and odd databases answer 4xx, not 500.

Contract: services.executor pins ``pg_catalog`` first (and ``pg_temp`` last) in the search_path
of every target, so a function of the user's schemas never stands in for a built-in the guard
allowed by name, even where the database puts ``public`` first; a ``SQL_ASCII`` database is
refused with 422 ``invalid_connection`` when the connection is tested or created. Real backend
process, real PostgreSQL.
"""

from __future__ import annotations

import httpx
import psycopg
from psycopg import sql

from tests.conftest import with_database
from tests.tenancy.conftest import UserDatabase, bearer, register, tcp_url

SHADOW = """
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'shadowed'::text $$;
"""


def test_a_user_function_cannot_shadow_an_allowed_built_in(
    api: httpx.Client, user_db: UserDatabase, pg_admin_url: str
) -> None:

    with psycopg.connect(with_database(pg_admin_url, user_db.name), autocommit=True) as conn:
        conn.execute(SHADOW.encode())
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET search_path = public, pg_catalog").format(
                sql.Identifier(user_db.name)
            )
        )
    user = register(api)
    created = api.post(
        "/api/connections",
        json={"name": "mine", "url": user_db.url, "ssl_mode": "disable"},
        headers=bearer(user),
    )
    assert created.status_code == 201, created.text
    answer = api.post(
        "/api/query",
        json={"sql": "SELECT lower('ABC') AS v", "connection_id": created.json()["id"]},
        headers=bearer(user),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == [["abc"]]


def test_a_sql_ascii_database_is_refused_with_a_reason(
    api: httpx.Client, user_db: UserDatabase, pg_admin_url: str
) -> None:

    name = user_db.name + "_ascii"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} OWNER {} ENCODING 'SQL_ASCII' TEMPLATE template0 "
                "LC_COLLATE 'C' LC_CTYPE 'C'"
            ).format(sql.Identifier(name), sql.Identifier(user_db.role))
        )
    try:
        user = register(api)
        url = tcp_url(pg_admin_url, username=user_db.role, password=user_db.password, database=name)
        for path, extra in (("/api/connections/test", {}), ("/api/connections", {"name": "a"})):
            refused = api.post(
                path, json={"url": url, "ssl_mode": "disable", **extra}, headers=bearer(user)
            )
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"] == "invalid_connection"
            assert "SQL_ASCII" in refused.json()["detail"]
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
