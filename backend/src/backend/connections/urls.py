"""Turn what a user pastes (a DATABASE_URL or ``.env`` content) into a checked connection spec.

Only network PostgreSQL is accepted: file-based URLs (SQLite) would let a user read files of
the server, so they are refused. Hosts that resolve to loopback, private or link-local
addresses, and unix sockets, reach the operator's own network and are refused unless
``CONNECTIONS_ALLOW_PRIVATE_HOSTS`` is set (development and tests). The app's own database is
always refused: it holds every user's data.
"""

from __future__ import annotations

import io
import ipaddress
import json
import socket
from dataclasses import asdict, dataclass

from contract.connections import SSL_MODES, ParsedConnection
from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from backend.core.dialects import Dialect
from backend.core.errors import InvalidInput

MASK = "••••"
_POSTGRES = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"}
_FILE_BASED = {"sqlite", "sqlite+pysqlite", "duckdb"}
_MYSQL = {"mysql", "mariadb", "mysql+pymysql", "mariadb+pymysql", "mysql+mysqldb"}


class InvalidConnection(InvalidInput):
    code = "invalid_connection"


@dataclass(frozen=True)
class ConnectionSpec:
    host: str  # a host name/address, or a unix-socket directory when allowed
    port: int
    database: str
    username: str
    password: str | None
    ssl_mode: str
    dialect: str = Dialect.POSTGRES.value

    def sqlalchemy_url(self) -> URL:
        socket_dir = self.host.startswith("/")
        return URL.create(
            "postgresql+psycopg",
            username=self.username,
            password=self.password,
            host=None if socket_dir else self.host,
            port=None if socket_dir else self.port,
            database=self.database,
            query={"host": self.host} if socket_dir else {},
        )

    def display_url(self) -> str:
        password = f":{MASK}" if self.password else ""
        where = f"{self.host}:{self.port}" if not self.host.startswith("/") else self.host
        return f"postgresql://{self.username}{password}@{where}/{self.database}"

    def describe(self) -> ParsedConnection:
        return ParsedConnection.model_validate(
            {
                "dialect": self.dialect,
                "host": self.host,
                "port": self.port,
                "database": self.database,
                "username": self.username,
                "password": MASK if self.password else None,
                "ssl_mode": self.ssl_mode,
                "display_url": self.display_url(),
            }
        )

    def to_secret(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_secret(cls, data: bytes) -> ConnectionSpec:
        return cls(**json.loads(data))


def _from_url(raw: str, ssl_mode: str | None) -> ConnectionSpec:
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise InvalidConnection(
            "That is not a database URL; expected postgresql://user:password@host:5432/database."
        ) from None
    scheme = url.drivername.lower()
    if scheme in _FILE_BASED:
        raise InvalidConnection(
            "File-based databases (SQLite) cannot be connected; use PostgreSQL."
        )
    if scheme in _MYSQL:
        raise InvalidConnection(
            "MySQL/MariaDB is not supported yet; connect a PostgreSQL database."
        )
    if scheme not in _POSTGRES:
        raise InvalidConnection(f"Unsupported database type '{url.drivername}'; use PostgreSQL.")
    query = {k: (v if isinstance(v, str) else v[-1]) for k, v in url.query.items()}
    unknown = set(query) - {"sslmode", "host", "port"}
    if unknown:
        raise InvalidConnection(f"Unsupported URL option(s): {', '.join(sorted(unknown))}.")
    host = url.host or query.get("host")
    port = url.port or query.get("port") or 5432
    return _spec(
        host=host,
        port=port,
        database=url.database,
        username=url.username,
        password=url.password,
        ssl_mode=ssl_mode or query.get("sslmode"),
    )


def _spec(
    *,
    host: str | None,
    port: int | str,
    database: str | None,
    username: str | None,
    password: str | None,
    ssl_mode: str | None,
) -> ConnectionSpec:
    if not host:
        raise InvalidConnection("The connection needs a host.")
    if not database:
        raise InvalidConnection("The connection needs a database name.")
    if not username:
        raise InvalidConnection("The connection needs a user name.")
    try:
        port_number = int(port)
    except ValueError:
        raise InvalidConnection("The port must be a number.") from None
    if not 1 <= port_number <= 65535:
        raise InvalidConnection("The port must be between 1 and 65535.")
    mode = ssl_mode or "prefer"
    if mode not in SSL_MODES:
        raise InvalidConnection("SSL mode must be one of require, prefer or disable.")
    return ConnectionSpec(host, port_number, database, username, password or None, mode)


def _from_env(text: str, ssl_mode: str | None) -> ConnectionSpec:
    values = {k.upper(): v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v}
    if values.get("DATABASE_URL"):
        return _from_url(values["DATABASE_URL"], ssl_mode)
    if not values.get("PGHOST"):
        raise InvalidConnection("The .env content has neither DATABASE_URL nor PGHOST.")
    return _spec(
        host=values.get("PGHOST"),
        port=values.get("PGPORT") or 5432,
        database=values.get("PGDATABASE"),
        username=values.get("PGUSER"),
        password=values.get("PGPASSWORD"),
        ssl_mode=ssl_mode or values.get("PGSSLMODE"),
    )


def parse(url: str | None, env_text: str | None, ssl_mode: str | None) -> ConnectionSpec:
    if (url is None) == (env_text is None):
        raise InvalidConnection("Send exactly one of 'url' or 'env_text'.")
    return _from_url(url, ssl_mode) if url is not None else _from_env(env_text or "", ssl_mode)


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def vet_destination(
    spec: ConnectionSpec, *, allow_private: bool, app_database: URL | None
) -> str | None:
    """Refuse the app's own database and (unless allowed) sockets and non-public addresses.

    Returns the checked public address to connect to (libpq ``hostaddr``), so a name that
    resolves differently a moment later (DNS rebinding) cannot redirect the connection; None
    when private destinations are allowed and the host is used as given.
    """
    if app_database is not None and app_database.get_backend_name() == "postgresql":
        app_host = app_database.host or str(app_database.query.get("host") or "")
        same_server = app_host == spec.host and (app_database.port or 5432) == spec.port
        if same_server and app_database.database == spec.database:
            raise InvalidConnection("This is the assistant's own database; it cannot be connected.")
    if allow_private:
        return None
    if spec.host.startswith("/"):
        raise InvalidConnection("Unix-socket connections are not allowed; use a network host.")
    try:
        infos = socket.getaddrinfo(spec.host, spec.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise InvalidConnection(f"The host '{spec.host}' could not be found.") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or any(_is_private(address) for address in addresses):
        raise InvalidConnection(
            f"The host '{spec.host}' is a private or local address; connect a database "
            "reachable over the internet."
        )
    return addresses[0]
