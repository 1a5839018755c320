"""Users' databases: test, save (encrypted), list, scan, choose tables, delete, and query targets.

Every lookup filters by owner, so another user's connection answers 404 exactly like a missing
one. The URL (with its password) is only ever stored sealed by ``crypto.KeyRing`` with the owner
and connection id as associated data; responses show ``display_url`` with the password masked.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import psycopg
import pymysql
from contract.connections import Connection as PublicConnection
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from backend.connections import repository
from backend.connections.pools import PoolCache, ServerIdentity, make_target_engine
from backend.connections.urls import ConnectionSpec, parse, vet_destination
from backend.core.bounded import BoundedCache
from backend.core.config import Settings
from backend.core.crypto import DecryptionFailed, KeyRing
from backend.core.dialects import Dialect
from backend.core.errors import AppError, InvalidInput
from backend.data.models import Connection, ConnectionTable, Upload, new_id
from backend.targets.deadline import expired_here
from backend.targets.gate import GATE
from backend.targets.introspect import introspect
from backend.targets.schema_info import SchemaInfo
from backend.targets.target import QueryTarget
from backend.uploads import repository as uploads
from backend.uploads.storage import UploadStorage

log = logging.getLogger(__name__)

# Parsed scans kept per (connection id, scan time): a rescan on any replica changes the time,
# so a question never sees a stale schema; the bound caps the memory whatever the traffic.
SCHEMA_CACHE_SIZE = 256


class ConnectionFailed(AppError):
    status_code = 422
    code = "connection_failed"


class CredentialsUnreadable(AppError):
    status_code = 409
    code = "credentials_unreadable"


def sealing_context(user_id: str, connection_id: str) -> bytes:
    return f"connection\x00{user_id}\x00{connection_id}".encode()


def _connect_error(error: DBAPIError, spec: ConnectionSpec, hold: float) -> ConnectionFailed:
    """A readable reason from the driver's message (first line, password never echoed)."""
    if expired_here():
        return ConnectionFailed(
            f"The database did not answer within {hold:g} s; please check that it is running."
        )
    reason = _driver_reason(error.orig) if error.orig else "connection failed"
    if spec.password:
        reason = reason.replace(spec.password, "••••")
    return ConnectionFailed(f"Could not connect to the database: {reason}")


def _driver_reason(orig: BaseException) -> str:
    """The first line of the driver's message; PyMySQL's errors are (code, message) pairs."""
    args = orig.args
    text = str(args[1]) if isinstance(orig, pymysql.err.MySQLError) and len(args) > 1 else str(orig)
    lines = text.strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def _scan(engine: Engine, spec: ConnectionSpec, key: str, hold: float) -> SchemaInfo:
    with GATE.admit(key):
        try:
            return introspect(engine, dialect=spec.dialect)
        except DBAPIError as error:
            raise _connect_error(error, spec, hold) from None


def _public(
    row: Connection, tables: list[ConnectionTable], upload: Upload | None
) -> PublicConnection:
    info = SchemaInfo.from_dict(row.schema_cache) if row.schema_cache else None
    estimates = {t.name: t.row_estimate for t in info.tables} if info else {}
    return PublicConnection.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "dialect": row.dialect,
            "ssl_mode": row.ssl_mode,
            "display_url": row.display_url,
            "created_at": row.created_at.isoformat(),
            "scanned_at": row.scanned_at.isoformat() if row.scanned_at else None,
            "tables": [
                {
                    "name": t.table_name,
                    "enabled": t.enabled,
                    "row_estimate": estimates.get(t.table_name),
                }
                for t in sorted(tables, key=lambda t: t.table_name)
            ],
            "upload": None
            if upload is None
            else {
                "file_name": upload.file_name,
                "file_format": upload.file_format,
                "file_bytes": upload.file_bytes,
                "stored_bytes": upload.stored_bytes,
            },
        }
    )


class ConnectionRegistry:
    """Connection CRUD plus the pooled ``QueryTarget`` the ask pipeline runs questions on.

    An uploaded file is a connection too (its ``uploads`` row says so): listed, scanned,
    resolved and deleted here like any database, its data opened through ``UploadStorage``.
    """

    def __init__(self, settings: Settings, keyring: KeyRing, storage: UploadStorage) -> None:
        self._keyring = keyring
        self._storage = storage
        self._allow_private = settings.connections_allow_private_hosts
        self._max_per_user = settings.max_connections_per_user
        self._app_database = make_url(settings.sqlalchemy_url)
        self._hold_seconds = settings.user_db_hold_seconds
        self._pool_max = settings.target_max_concurrent
        self._identity: ServerIdentity | None = None
        self._identity_lock = threading.Lock()
        self._pools = PoolCache()
        self._schemas: BoundedCache[tuple[str, datetime], SchemaInfo] = BoundedCache(
            SCHEMA_CACHE_SIZE
        )
        GATE.configure(
            total=settings.user_db_max_concurrent,
            per_target=settings.target_max_concurrent,
            queued=settings.user_db_max_queued,
            wait_seconds=settings.user_db_queue_timeout_seconds,
        )

    @property
    def storage(self) -> UploadStorage:
        return self._storage

    # -- parsing and testing -------------------------------------------------------------------
    def parse(self, url: str | None, env_text: str | None, ssl_mode: str | None) -> ConnectionSpec:
        spec = parse(url, env_text, ssl_mode)
        self._vet(spec)
        return spec

    def test(self, spec: ConnectionSpec) -> SchemaInfo:
        """Connect (5 s timeout) and introspect; nothing is kept."""
        engine = self._make_engine(spec, pooled=False)
        try:
            return _scan(engine, spec, f"test:{spec.host}", self._hold_seconds)
        finally:
            engine.dispose()

    # -- CRUD ----------------------------------------------------------------------------------
    def create(
        self, session: Session, user_id: str, name: str, spec: ConnectionSpec
    ) -> PublicConnection:
        info = self.test(spec)  # before touching the app database: no connection held meanwhile
        self.check_room(session, user_id)
        connection_id = new_id()
        row = Connection(
            id=connection_id,
            user_id=user_id,
            name=name,
            dialect=spec.dialect,
            ssl_mode=spec.ssl_mode,
            display_url=spec.display_url(),
            secret=self._keyring.seal(
                spec.to_secret(), context=sealing_context(user_id, connection_id)
            ),
        )
        repository.add(session, row)
        self._store_scan(session, row, info)
        return self.get(session, user_id, connection_id)

    def check_room(self, session: Session, user_id: str) -> None:
        if repository.count_owned(session, user_id) >= self._max_per_user:
            raise InvalidInput(
                f"You can keep at most {self._max_per_user} connections (uploads included); "
                "delete one first."
            )

    def add_upload(
        self, session: Session, user_id: str, upload: Upload, name: str, info: SchemaInfo
    ) -> PublicConnection:
        """The connection row of an upload whose tables ``storage`` has just loaded."""
        row = Connection(
            id=upload.connection_id,
            user_id=user_id,
            name=name,
            dialect=self._storage.dialect,
            display_url=f"upload: {upload.file_name}",
            secret=b"",  # nothing to connect to; key rotation skips uploads
        )
        repository.add(session, row)
        uploads.add(session, upload)
        self._store_scan(session, row, info)
        return self.get(session, user_id, row.id)

    def list_owned(self, session: Session, user_id: str) -> list[PublicConnection]:
        rows = repository.list_owned(session, user_id)
        files = {upload.connection_id: upload for upload in uploads.owned(session, user_id)}
        return [_public(row, repository.tables(session, row.id), files.get(row.id)) for row in rows]

    def get(self, session: Session, user_id: str, connection_id: str) -> PublicConnection:
        row = repository.owned(session, user_id, connection_id)
        return _public(row, repository.tables(session, row.id), row.upload)

    def set_enabled(
        self, session: Session, user_id: str, connection_id: str, enabled: list[str]
    ) -> PublicConnection:
        row = repository.owned(session, user_id, connection_id)
        tables = repository.tables(session, row.id)
        unknown = set(enabled) - {t.table_name for t in tables}
        if unknown:
            raise InvalidInput(f"Unknown table(s): {', '.join(sorted(unknown)[:10])}.")
        for table in tables:
            table.enabled = table.table_name in enabled
        session.flush()
        return _public(row, tables, row.upload)

    def rescan(self, session: Session, user_id: str, connection_id: str) -> PublicConnection:
        row = repository.owned(session, user_id, connection_id)
        if row.upload is not None:
            info = self._storage.scan(row.id)
        else:
            info = self._scan(self._engine(row), row)
        self._store_scan(session, row, info)
        return self.get(session, user_id, connection_id)

    def delete(self, session: Session, user_id: str, connection_id: str) -> None:
        """An upload's data goes with it (in the same transaction)."""
        row = repository.owned(session, user_id, connection_id)
        if row.upload is not None:
            self._storage.drop(session, row.id)
        repository.remove(session, row)
        self._pools.discard(connection_id)

    def forget_user(self, session: Session, user_id: str) -> None:
        """Close the pools of a user's connections and drop the data of their uploads (before
        their account is deleted, in the same transaction)."""
        for upload in uploads.owned(session, user_id):
            self._storage.drop(session, upload.connection_id)
        for connection_id in repository.ids_owned(session, user_id):
            self._pools.discard(connection_id)

    # -- targets -------------------------------------------------------------------------------
    def target(self, session: Session, user_id: str, connection_id: str) -> QueryTarget:
        row = repository.owned_for_query(session, user_id, connection_id)
        if row.upload is not None:
            engine, dialect = self._storage.engine(row.id), self._storage.dialect
            db_schema = self._storage.db_schema(row.id)
        else:
            engine, dialect, db_schema = self._engine(row), Dialect(row.dialect), None
        info = self._schema(session, row, engine)
        enabled = frozenset(t.table_name for t in repository.tables(session, row.id) if t.enabled)
        return QueryTarget(
            key=row.id,
            engine=engine,
            dialect=dialect,
            db_schema=db_schema,
            schema_info=info,
            enabled_tables=enabled,
        )

    def _schema(self, session: Session, row: Connection, engine: Engine) -> SchemaInfo:
        """The connection's scan, parsed once per scan (scanned first if it never was)."""
        if row.scanned_at is not None:
            known = self._schemas.get((row.id, row.scanned_at))
            if known is not None:
                return known
        if row.schema_cache is None:  # loads the deferred column
            self._store_scan(session, row, self._scan(engine, row))
        info = SchemaInfo.from_dict(row.schema_cache or {"dialect": row.dialect})
        if row.scanned_at is not None:
            self._schemas.put((row.id, row.scanned_at), info)
        return info

    def dispose(self) -> None:
        self._pools.dispose_all()
        self._storage.dispose()

    # -- helpers -------------------------------------------------------------------------------
    def _spec(self, row: Connection) -> ConnectionSpec:
        try:
            plain = self._keyring.open(row.secret, context=sealing_context(row.user_id, row.id))
        except DecryptionFailed:
            raise CredentialsUnreadable(
                "The saved credentials of this connection cannot be decrypted (was the "
                "encryption key changed?); delete it and add it again."
            ) from None
        return ConnectionSpec.from_secret(plain)

    def _engine(self, row: Connection) -> Engine:
        return self._pools.engine(row.id, lambda: self._make_engine(self._spec(row), pooled=True))

    def _scan(self, engine: Engine, row: Connection) -> SchemaInfo:
        return _scan(engine, self._spec(row), row.id, self._hold_seconds)

    def _make_engine(self, spec: ConnectionSpec, *, pooled: bool) -> Engine:
        return make_target_engine(
            spec,
            pooled=pooled,
            hostaddr=self._vet(spec),
            app_identity=self._app_identity,
            hold_seconds=self._hold_seconds,
            pool_max=self._pool_max,
        )

    def _app_identity(self) -> ServerIdentity | None:
        """The app database's (system_identifier, name), read once; None on SQLite."""
        if self._identity is not None or self._app_database.get_backend_name() != "postgresql":
            return self._identity
        with self._identity_lock:
            if self._identity is None:
                libpq_url = self._app_database.set(drivername="postgresql")
                try:
                    with psycopg.connect(
                        libpq_url.render_as_string(hide_password=False), connect_timeout=5
                    ) as conn:
                        row = conn.execute(
                            "SELECT system_identifier, current_database() FROM pg_control_system()"
                        ).fetchone()
                except psycopg.Error as error:
                    log.warning("app database identity unknown: %s", type(error).__name__)
                    return None
                self._identity = (int(row[0]), str(row[1])) if row else None
        return self._identity

    def _vet(self, spec: ConnectionSpec) -> str:
        """Checked again whenever a pool is opened: a host may since resolve somewhere else."""
        return vet_destination(
            spec, allow_private=self._allow_private, app_database=self._app_database
        )

    def _store_scan(self, session: Session, row: Connection, info: SchemaInfo) -> None:
        """Cache the scan; keep choices for known tables, enable new ones, drop vanished ones."""
        row.schema_cache = info.to_dict()
        row.scanned_at = datetime.now(UTC)
        repository.replace_tables(session, row.id, [t.name for t in info.tables])


def reseal_all(session: Session, keyring: KeyRing) -> tuple[int, int]:
    """Re-encrypt every connection under the first key; return (resealed, already current).

    All or nothing: one row no configured key opens aborts the caller's transaction.
    """
    resealed = current = 0
    for row in repository.all_for_update(session):
        if keyring.is_current(row.secret):
            current += 1
            continue
        context = sealing_context(row.user_id, row.id)
        try:
            plain = keyring.open(row.secret, context=context)
        except DecryptionFailed as error:
            raise DecryptionFailed(f"connection {row.id}: {error}") from None
        row.secret = keyring.seal(plain, context=context)
        resealed += 1
    session.flush()
    return resealed, current
