"""Turn what a user pastes (a DATABASE_URL or ``.env`` content) into a checked connection spec.

Network PostgreSQL and MySQL/MariaDB are accepted: file-based URLs (SQLite) would let a user
read files of the server, and unix sockets reach the server's own databases, so both are
refused. Hosts that resolve to loopback, private or link-local addresses reach the operator's
own network and are refused unless ``CONNECTIONS_ALLOW_PRIVATE_HOSTS`` is set (development and
tests). The app's own database is always refused: by resolved address here, and by the server's
identity once connected (``target_identity``), so an alias or another route to it does not get
through.

SSL modes are PostgreSQL's three words; MySQL's spellings (``ssl-mode=REQUIRED`` ...) are read
as the same three. Neither verifies the server's certificate (as libpq's ``require``), so the
modes that promise verification (``verify-ca``, ``VERIFY_IDENTITY`` ...) are refused rather than
silently weakened.

``.env`` text is read literally: no ``${VAR}`` expansion (which would read this server's own
environment, and grows exponentially with nested references), within fixed size bounds.
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
_DEFAULT_PORTS = {Dialect.POSTGRES: 5432, Dialect.MYSQL: 3306}
_URL_SCHEMES = {Dialect.POSTGRES: "postgresql", Dialect.MYSQL: "mysql"}
# MySQL's own words for the modes (``ssl-mode`` in URLs and option files, any case).
_MYSQL_SSL_MODES = {"disabled": "disable", "preferred": "prefer", "required": "require"}
_VERIFYING_SSL_MODES = {"verify-ca", "verify-full", "verify_ca", "verify_identity"}
_SSL_OPTIONS = {"sslmode", "ssl-mode", "ssl_mode"}
MAX_ENV_CHARS = 16_384
MAX_ENV_LINES = 200
MAX_ENV_LINE_CHARS = 4096


class InvalidConnection(InvalidInput):
    code = "invalid_connection"


@dataclass(frozen=True)
class ConnectionSpec:
    host: str  # a host name or address (never a unix-socket directory)
    port: int
    database: str
    username: str
    password: str | None
    ssl_mode: str
    dialect: str = Dialect.POSTGRES.value

    def display_url(self) -> str:
        password = f":{MASK}" if self.password else ""
        scheme = _URL_SCHEMES[Dialect(self.dialect)]
        return f"{scheme}://{self.username}{password}@{self.host}:{self.port}/{self.database}"

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
            "That is not a database URL; expected postgresql://user:password@host:5432/database "
            "or mysql://user:password@host:3306/database."
        ) from None
    scheme = url.drivername.lower()
    if scheme in _FILE_BASED:
        raise InvalidConnection(
            "File-based databases (SQLite) cannot be connected; use PostgreSQL or MySQL."
        )
    if scheme in _MYSQL:
        dialect = Dialect.MYSQL
    elif scheme in _POSTGRES:
        dialect = Dialect.POSTGRES
    else:
        raise InvalidConnection(
            f"Unsupported database type '{url.drivername}'; use PostgreSQL or MySQL/MariaDB."
        )
    query = {k.lower(): (v if isinstance(v, str) else v[-1]) for k, v in url.query.items()}
    if "unix_socket" in query:
        raise InvalidConnection("Unix-socket connections are not allowed; use a network host.")
    unknown = set(query) - _SSL_OPTIONS - {"host", "port"}
    if unknown:
        raise InvalidConnection(f"Unsupported URL option(s): {', '.join(sorted(unknown))}.")
    requested = next((query[k] for k in sorted(_SSL_OPTIONS) if query.get(k)), None)
    return _spec(
        dialect=dialect,
        host=url.host or query.get("host"),
        port=url.port or query.get("port") or _DEFAULT_PORTS[dialect],
        database=url.database,
        username=url.username,
        password=url.password,
        ssl_mode=ssl_mode or requested,
    )


def _ssl_mode(requested: str | None) -> str:
    """One of ``SSL_MODES`` from PostgreSQL's or MySQL's spelling of it."""
    mode = (requested or "prefer").strip().lower()
    if mode in _VERIFYING_SSL_MODES:
        raise InvalidConnection(
            f"SSL mode '{requested}' (certificate verification) is not supported yet; use "
            "require (encrypted, certificate not checked), prefer or disable."
        )
    mode = _MYSQL_SSL_MODES.get(mode, mode)
    if mode not in SSL_MODES:
        raise InvalidConnection("SSL mode must be one of require, prefer or disable.")
    return mode


def _spec(
    *,
    dialect: Dialect,
    host: str | None,
    port: int | str,
    database: str | None,
    username: str | None,
    password: str | None,
    ssl_mode: str | None,
) -> ConnectionSpec:
    if not host:
        raise InvalidConnection("The connection needs a host.")
    if host.startswith(("/", "@", ".")) or "," in host:
        raise InvalidConnection(
            "Unix-socket and multi-host connections are not allowed; use one network host."
        )
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
    return ConnectionSpec(
        host,
        port_number,
        database,
        username,
        password or None,
        _ssl_mode(ssl_mode),
        dialect.value,
    )


def _env_values(text: str) -> dict[str, str]:
    """The variables of ``.env`` text, read literally and within bounds (linear in the input)."""
    lines = text.splitlines()
    if len(text) > MAX_ENV_CHARS or len(lines) > MAX_ENV_LINES:
        raise InvalidConnection(
            f"The .env content is too long (at most {MAX_ENV_LINES} lines and "
            f"{MAX_ENV_CHARS:,} characters); paste only the database settings."
        )
    if any(len(line) > MAX_ENV_LINE_CHARS for line in lines):
        raise InvalidConnection(
            f"A line of the .env content is longer than {MAX_ENV_LINE_CHARS:,} characters."
        )
    # interpolate=False: "${VAR}" stays text. Expanding it would read this server's environment
    # (its own secrets) and, nested, grow exponentially.
    parsed = dotenv_values(stream=io.StringIO(text), interpolate=False)
    return {k.upper(): v for k, v in parsed.items() if v}


# The variables MySQL's tools, and Docker's mysql and mariadb images, read (first one set wins).
_MYSQL_ENV = {
    "host": ("MYSQL_HOST", "MARIADB_HOST"),
    "port": ("MYSQL_PORT", "MYSQL_TCP_PORT", "MARIADB_PORT", "DB_PORT"),
    "database": ("MYSQL_DATABASE", "MARIADB_DATABASE", "DB_DATABASE", "DB_NAME"),
    "username": ("MYSQL_USER", "MARIADB_USER", "DB_USERNAME", "DB_USER"),
    "password": ("MYSQL_PASSWORD", "MYSQL_PWD", "MARIADB_PASSWORD", "DB_PASSWORD"),
    "ssl_mode": ("MYSQL_SSL_MODE", "MARIADB_SSL_MODE"),
}


def _first(values: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((values[name] for name in names if values.get(name)), None)


def _from_env(text: str, ssl_mode: str | None) -> ConnectionSpec:
    values = _env_values(text)
    if values.get("DATABASE_URL"):
        return _from_url(values["DATABASE_URL"], ssl_mode)
    if values.get("PGHOST"):
        return _spec(
            dialect=Dialect.POSTGRES,
            host=values.get("PGHOST"),
            port=values.get("PGPORT") or _DEFAULT_PORTS[Dialect.POSTGRES],
            database=values.get("PGDATABASE"),
            username=values.get("PGUSER"),
            password=values.get("PGPASSWORD"),
            ssl_mode=ssl_mode or values.get("PGSSLMODE"),
        )
    if _first(values, _MYSQL_ENV["host"]):
        found = {key: _first(values, names) for key, names in _MYSQL_ENV.items()}
        return _spec(
            dialect=Dialect.MYSQL,
            host=found["host"],
            port=found["port"] or _DEFAULT_PORTS[Dialect.MYSQL],
            database=found["database"],
            username=found["username"],
            password=found["password"],
            ssl_mode=ssl_mode or found["ssl_mode"],
        )
    raise InvalidConnection("The .env content has none of DATABASE_URL, PGHOST or MYSQL_HOST.")


def parse(url: str | None, env_text: str | None, ssl_mode: str | None) -> ConnectionSpec:
    if (url is None) == (env_text is None):
        raise InvalidConnection("Send exactly one of 'url' or 'env_text'.")
    return _from_url(url, ssl_mode) if url is not None else _from_env(env_text or "", ssl_mode)


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition form carries (mapped, 6to4, Teredo, NAT64, ::a.b.c.d)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if any(ip in network for network in _NAT64) or int(ip) >> 32 == 0:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if not ip.is_global or ip.is_multicast:
        return True
    inner = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    return inner is not None and (not inner.is_global or inner.is_multicast)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to now (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise InvalidConnection(f"The host '{host}' could not be found.") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise InvalidConnection(f"The host '{host}' could not be found.")
    return addresses


def _app_addresses(app_database: URL) -> set[str]:
    host = app_database.host or ""
    if not host or host.startswith("/"):
        return set()  # a unix socket: only the identity check after connecting can tell
    try:
        return set(resolve(host, app_database.port or 5432))
    except InvalidConnection:
        return set()


def vet_destination(spec: ConnectionSpec, *, allow_private: bool, app_database: URL | None) -> str:
    """Resolve the host once; refuse the app's own database and (unless allowed) private ones.

    Returns the checked address to connect to (libpq ``hostaddr``), so a name that resolves
    differently a moment later (DNS rebinding, an ``/etc/hosts`` alias) cannot redirect it.
    """
    addresses = resolve(spec.host, spec.port)
    if app_database is not None and app_database.get_backend_name() == "postgresql":
        same_port = (app_database.port or 5432) == spec.port
        same_name = app_database.database == spec.database
        if same_port and same_name and _app_addresses(app_database) & set(addresses):
            raise InvalidConnection(OWN_DATABASE)
    if not allow_private and any(_is_private(address) for address in addresses):
        raise InvalidConnection(
            f"The host '{spec.host}' is a private or local address; connect a database "
            "reachable over the internet."
        )
    return addresses[0]


OWN_DATABASE = "This is the assistant's own database; it cannot be connected."
