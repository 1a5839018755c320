"""Uploads in the app's PostgreSQL: a schema and a read-only role per upload.

Every replica reaches the same database, so an upload made through one is answered by any
other, with no shared disk. Questions about an upload run as its own role (``SET ROLE`` on each
connection), which has ``USAGE`` on the upload's schema and ``SELECT`` on its tables and nothing
else: not the app's tables, not another upload, not the demo. That holds even if the SQL guard
let something through. The engine's logins are also read-only by default, and the executor adds
its READ ONLY transaction, time limit and ``search_path``.

The app's role needs ``CREATEROLE`` (a managed PostgreSQL's owner role usually has it); without
it uploads answer 503 with a message saying so, and nothing is created. Schemas, tables and
roles are created in the request's transaction, so a refused upload leaves none of them.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from backend.connections.pools import PoolCache
from backend.core.config import Settings
from backend.core.dialects import Dialect
from backend.core.errors import ServiceUnavailable
from backend.targets.gate import GATE
from backend.targets.introspect import introspect
from backend.targets.schema_info import SchemaInfo
from backend.uploads.readers.tables import ParsedTable
from backend.uploads.storage import SQL_TYPES, write_tables

log = logging.getLogger(__name__)


class UploadsUnavailable(ServiceUnavailable):
    code = "uploads_unavailable"


def schema_name(upload_id: str) -> str:
    return f"upload_{upload_id.replace('-', '')}"


def role_name(upload_id: str) -> str:
    return f"upload_{upload_id.replace('-', '')}_reader"


def _quote(session_or_engine: Any, name: str) -> str:
    return str(session_or_engine.dialect.identifier_preparer.quote(name))


class PostgresStorage:
    dialect = Dialect.POSTGRES
    types = SQL_TYPES

    def __init__(self, settings: Settings) -> None:
        self._url = settings.sqlalchemy_url
        self._pools = PoolCache()

    def load(self, session: Session, upload_id: str, tables: list[ParsedTable]) -> int:
        connection = session.connection()
        schema, role = schema_name(upload_id), role_name(upload_id)
        q_schema, q_role = _quote(connection, schema), _quote(connection, role)
        try:
            with connection.begin_nested():
                connection.execute(text(f"CREATE ROLE {q_role} NOLOGIN NOINHERIT"))
        except ProgrammingError:
            log.error("uploads need CREATEROLE for the app database's role")
            raise UploadsUnavailable(
                "Uploads are not available on this server: its database role may not create "
                "the read-only role each upload is queried through (the operator grants "
                "CREATEROLE)."
            ) from None
        connection.execute(text(f"CREATE SCHEMA {q_schema}"))
        write_tables(connection, tables, schema=schema)
        for table in tables:  # planner statistics, and the row counts a re-scan reports
            connection.execute(text(f"ANALYZE {q_schema}.{_quote(connection, table.name)}"))
        connection.execute(text(f"GRANT USAGE ON SCHEMA {q_schema} TO {q_role}"))
        connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {q_schema} TO {q_role}"))
        connection.execute(text(f"GRANT {q_role} TO CURRENT_USER"))
        stored = connection.execute(
            text(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind = 'r'"
            ),
            {"schema": schema},
        ).scalar_one()
        return int(stored)

    def engine(self, upload_id: str) -> Engine:
        return self._pools.engine(upload_id, lambda: self._make_engine(role_name(upload_id)))

    def db_schema(self, upload_id: str) -> str:
        return schema_name(upload_id)

    def scan(self, upload_id: str) -> SchemaInfo:
        with GATE.admit(upload_id):
            return introspect(
                self.engine(upload_id), dialect=self.dialect, db_schema=schema_name(upload_id)
            )

    def drop(self, session: Session, upload_id: str) -> None:
        connection = session.connection()
        q_schema = _quote(connection, schema_name(upload_id))
        q_role = _quote(connection, role_name(upload_id))
        connection.execute(text(f"DROP SCHEMA IF EXISTS {q_schema} CASCADE"))
        connection.execute(text(f"DROP ROLE IF EXISTS {q_role}"))
        self._pools.discard(upload_id)

    def dispose(self) -> None:
        self._pools.dispose_all()

    def _make_engine(self, role: str) -> Engine:
        """No pool: a question opens one short connection to the app's own server, so idle
        uploads hold no connections of the app database."""
        engine = create_engine(
            self._url,
            poolclass=NullPool,
            hide_parameters=True,
            connect_args={
                "connect_timeout": 5,
                "application_name": "eaa-uploads",
                "options": "-c default_transaction_read_only=on",
            },
        )
        quoted = _quote(engine, role)

        def switch_role(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"SET ROLE {quoted}")
            dbapi_connection.commit()

        event.listen(engine, "connect", switch_role)
        return engine
