"""One bounded connection pool per user connection, evicted when idle, disposed on shutdown.

PostgreSQL connections are opened here; MySQL/MariaDB ones by ``connections.mysql_connect``,
with the same pool, vetted address and checkout deadlines.

Pools are sized per target (``TARGET_MAX_CONCURRENT``, which the work gate also enforces); a
pool unused for ``IDLE_SECONDS`` is disposed on the next lookup (no background thread), and at
most ``MAX_POOLS`` stay open so a server with many users does not exhaust file descriptors.

Every connection to a user's PostgreSQL database:
- is opened with an explicit value for every libpq option an environment variable or a file of
  this server could supply (``PGPASSWORD``, ``PGSSLCERT``, ``~/.pgpass``, ``~/.postgresql/``...),
  so nothing of the server's own credentials travels to someone else's host;
- goes to the vetted address (``hostaddr``), with TCP keepalives and ``tcp_user_timeout``;
- opens read-only (``default_transaction_read_only``) as a second line behind the SQL guard;
- is refused when it reaches the app's own database (same server identity and database name)
  or a ``SQL_ASCII`` database, whose text cannot be read reliably;
- carries a client-side deadline for each checkout (``targets.deadline``), so a server that stops
  answering after the login holds a worker for ``USER_DB_HOLD_SECONDS`` at most.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import pq
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool, QueuePool

from backend.connections.mysql_connect import MysqlConnection, mysql_connector, socket_fileno
from backend.connections.urls import OWN_DATABASE, ConnectionSpec, InvalidConnection
from backend.core.dialects import Dialect
from backend.targets.deadline import Deadline

CONNECT_TIMEOUT_SECONDS = 5
IDLE_SECONDS = 300.0
MAX_POOLS = 32
# stat() on it fails with ENOTDIR, which libpq treats like a missing file: no ~/.pgpass,
# ~/.postgresql/postgresql.crt or root.crt of this server is ever read for a user's database.
NO_FILE = "/dev/null/none"

ServerIdentity = tuple[int, str]  # (system_identifier, database name)
IdentitySource = Callable[[], ServerIdentity | None]


def libpq_params(spec: ConnectionSpec, hostaddr: str) -> dict[str, str]:
    """A complete libpq parameter set: explicit values leave nothing to PG* variables or files."""
    chosen = {
        "host": spec.host,
        "hostaddr": hostaddr,
        "port": str(spec.port),
        "dbname": spec.database,
        "user": spec.username,
        "password": spec.password or "",  # empty: "no password", never PGPASSWORD
        "passfile": NO_FILE,
        "sslmode": spec.ssl_mode,
        "sslcert": NO_FILE,
        "sslkey": NO_FILE,
        "sslrootcert": NO_FILE,
        "sslcrl": NO_FILE,
        "sslcrldir": NO_FILE,
        "connect_timeout": str(CONNECT_TIMEOUT_SECONDS),
        "application_name": "eaa-assistant",
        "options": "-c default_transaction_read_only=on",
        "client_encoding": "UTF8",
        "gssencmode": "disable",
        # libpq's own defaults, for options with no compiled value that refuse an empty one.
        "sslcertmode": "allow",
        "min_protocol_version": "3.0",
        "max_protocol_version": "3.0",
        "keepalives": "1",
        "keepalives_idle": "30",
        "keepalives_interval": "10",
        "keepalives_count": "3",
        "tcp_user_timeout": "30000",
    }
    options = pq.Conninfo.get_defaults()
    known = {option.keyword.decode() for option in options}
    params = {keyword: value for keyword, value in chosen.items() if keyword in known}
    for option in options:
        keyword = option.keyword.decode()
        # "service" cannot be blanked (libpq would look the empty name up); with every option
        # it could fill given here, a PGSERVICE entry has nothing left to supply.
        if option.envvar is None or keyword in params or keyword == "service":
            continue
        params[keyword] = option.compiled.decode() if option.compiled is not None else ""
    return params


def _check_server(conn: psycopg.Connection[Any], app: ServerIdentity | None) -> None:
    database, encoding = conn.execute(
        "SELECT current_database(), current_setting('server_encoding')"
    ).fetchone() or ("", "")
    if encoding == "SQL_ASCII":
        raise InvalidConnection(
            "This database uses the SQL_ASCII encoding, whose text cannot be read reliably; "
            "connect a database created with UTF8 (or another real encoding)."
        )
    if app is None:
        return
    try:
        row = conn.execute("SELECT system_identifier FROM pg_control_system()").fetchone()
    except psycopg.errors.InsufficientPrivilege:
        row = None  # a provider that hides it: the address check before connecting still held
    if row is not None and (int(row[0]), str(database)) == app:
        raise InvalidConnection(OWN_DATABASE)


def _connector(
    spec: ConnectionSpec, hostaddr: str, app_identity: IdentitySource, hold_seconds: float
) -> Callable[[], psycopg.Connection[Any]]:
    conninfo = make_conninfo(**libpq_params(spec, hostaddr))
    check_seconds = min(CONNECT_TIMEOUT_SECONDS, hold_seconds)

    def connect() -> psycopg.Connection[Any]:
        conn = psycopg.connect(conninfo)  # psycopg enforces connect_timeout on the handshake
        try:
            with Deadline(conn.fileno(), check_seconds):
                _check_server(conn, app_identity())
            conn.rollback()
        except BaseException:
            conn.close()
            raise
        return conn

    return connect


def _fileno(dbapi_connection: Any) -> int:
    if isinstance(dbapi_connection, MysqlConnection):
        return socket_fileno(dbapi_connection)
    return int(dbapi_connection.fileno())


def _arm_deadlines(engine: Engine, hold_seconds: float) -> None:
    """Each checkout gets its own client-side deadline, disarmed however the checkout ends."""

    def arm(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        record.info["deadline"] = Deadline(_fileno(dbapi_connection), hold_seconds).start()

    def disarm(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        deadline = record.info.pop("deadline", None)
        if deadline is not None:
            deadline.stop()

    event.listen(engine, "checkout", arm)
    for name in ("checkin", "invalidate", "soft_invalidate", "close", "detach"):
        event.listen(engine, name, disarm)


def make_target_engine(
    spec: ConnectionSpec,
    *,
    pooled: bool,
    hostaddr: str,
    app_identity: IdentitySource,
    hold_seconds: float,
    pool_max: int,
) -> Engine:
    """An engine for a user's database; ``hostaddr`` pins the vetted address to connect to."""
    creator: Callable[[], Any]
    if spec.dialect == Dialect.MYSQL:
        url = "mysql+pymysql://"
        # The socket timeouts outlast the checkout deadline, which fires first and so reports a
        # timeout (a socket timeout would look like a lost connection and be retried).
        creator = mysql_connector(
            spec,
            hostaddr,
            connect_seconds=CONNECT_TIMEOUT_SECONDS,
            io_seconds=hold_seconds + CONNECT_TIMEOUT_SECONDS,
        )
    else:
        url = "postgresql+psycopg://"
        creator = _connector(spec, hostaddr, app_identity, hold_seconds)
    options: dict[str, Any] = {"creator": creator, "hide_parameters": True}
    if pooled:
        # No pre-ping: it would run before the checkout deadline is armed. A connection lost
        # meanwhile fails fast and the executor retries on a fresh one.
        options |= {
            "poolclass": QueuePool,
            "pool_size": min(2, pool_max),
            "max_overflow": max(pool_max - 2, 0),
            "pool_timeout": 5,
            "pool_recycle": int(IDLE_SECONDS),
        }
    else:
        options["poolclass"] = NullPool
    engine = create_engine(url, **options)
    _arm_deadlines(engine, hold_seconds)
    return engine


class PoolCache:
    def __init__(self, *, idle_seconds: float = IDLE_SECONDS, max_pools: int = MAX_POOLS) -> None:
        self._idle_seconds = idle_seconds
        self._max_pools = max_pools
        self._pools: OrderedDict[str, tuple[Engine, float]] = OrderedDict()
        self._lock = threading.Lock()

    def engine(self, key: str, build: Callable[[], Engine]) -> Engine:
        now = time.monotonic()
        stale: list[Engine] = []
        with self._lock:
            for other, (_, used) in list(self._pools.items()):
                if now - used > self._idle_seconds and other != key:
                    stale.append(self._pools.pop(other)[0])
            if key in self._pools:
                engine = self._pools.pop(key)[0]
            else:
                engine = build()
                while len(self._pools) >= self._max_pools:
                    stale.append(self._pools.popitem(last=False)[1][0])
            self._pools[key] = (engine, now)
        for old in stale:
            old.dispose()
        return engine

    def discard(self, key: str) -> None:
        with self._lock:
            entry = self._pools.pop(key, None)
        if entry:
            entry[0].dispose()

    def dispose_all(self) -> None:
        with self._lock:
            engines = [engine for engine, _ in self._pools.values()]
            self._pools.clear()
        for engine in engines:
            engine.dispose()

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._pools)
