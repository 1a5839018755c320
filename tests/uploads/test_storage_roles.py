"""Upload storage on PostgreSQL as a production app role would run it: not a superuser.

Contract: with ``CREATEROLE`` the app's role creates each upload's schema and reader role,
queries through the reader see that upload only, and dropping removes both; without it an
upload is refused with ``UploadsUnavailable`` (503) and nothing is created.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from backend.core.config import Settings
from backend.data.database import make_engine, make_session_factory, transaction
from backend.uploads.readers.formats import read_tables
from backend.uploads.storage.postgres import PostgresStorage, UploadsUnavailable, schema_name
from devkit.keys import new_encryption_key
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, ProgrammingError

from tests.uploads.conftest import upload_roles, upload_schemas
from tests.uploads.files import sales_csv


def _app_role(admin_db_url: str, *, createrole: bool) -> Iterator[Settings]:
    role = f"app_{uuid.uuid4().hex[:10]}"
    database = make_url(admin_db_url).database
    with psycopg.connect(admin_db_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN " + ("CREATEROLE" if createrole else "")).format(
                sql.Identifier(role)
            )
        )
        conn.execute(
            sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(str(database)), sql.Identifier(role)
            )
        )
    url = make_url(admin_db_url).set(username=role).render_as_string(hide_password=False)
    yield Settings(database_url=url, encryption_key=new_encryption_key())
    with psycopg.connect(admin_db_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def creator(module_pg_url: str) -> Iterator[Settings]:
    yield from _app_role(module_pg_url, createrole=True)


@pytest.fixture
def plain_role(module_pg_url: str) -> Iterator[Settings]:
    yield from _app_role(module_pg_url, createrole=False)


def test_a_createrole_app_role_stores_queries_and_drops_an_upload(
    creator: Settings, module_pg_url: str
) -> None:
    storage = PostgresStorage(creator)
    app = make_engine(creator)
    sessions = make_session_factory(app)
    upload_id = str(uuid.uuid4())
    _, tables = read_tables("sales.csv", sales_csv())
    with transaction(sessions) as session:
        assert storage.load(session, upload_id, tables) > 0
    schema = schema_name(upload_id)
    try:
        with storage.engine(upload_id).connect() as reader:
            rows = reader.execute(text(f"SELECT count(*) FROM {schema}.sales")).scalar_one()
            assert rows == 5
            with pytest.raises(ProgrammingError, match="permission denied"):
                reader.execute(text("SELECT count(*) FROM public.users"))
            reader.rollback()
            with pytest.raises(DBAPIError, match="read-only transaction"):
                reader.execute(text(f"DELETE FROM {schema}.sales"))
    finally:
        with transaction(sessions) as session:
            storage.drop(session, upload_id)
        storage.dispose()
        app.dispose()
    assert schema not in upload_schemas(module_pg_url)
    assert f"{schema}_reader" not in upload_roles(module_pg_url)


def test_without_createrole_an_upload_is_refused_and_leaves_nothing(
    plain_role: Settings, module_pg_url: str
) -> None:
    storage = PostgresStorage(plain_role)
    app = make_engine(plain_role)
    before = (upload_schemas(module_pg_url), upload_roles(module_pg_url))
    _, tables = read_tables("sales.csv", sales_csv())
    with (
        pytest.raises(UploadsUnavailable, match="CREATEROLE"),
        transaction(make_session_factory(app)) as session,
    ):
        storage.load(session, str(uuid.uuid4()), tables)
    app.dispose()
    assert (upload_schemas(module_pg_url), upload_roles(module_pg_url)) == before
