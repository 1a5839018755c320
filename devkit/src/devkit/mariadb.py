"""A throwaway MariaDB server for the test session (``mariadb-install-db`` + ``mariadbd``).

It answers on a unix socket (for setting it up) and on loopback TCP on a free port (users'
connections must be network ones). Nothing is read from the machine's option files
(``--no-defaults``), so a MariaDB service already running there is neither used nor touched.
As root the server runs as an unprivileged user, as for PostgreSQL. ``TEST_MYSQL_URL`` names a
server the caller provides instead (a login that may create databases and users).

Start-up takes one to two seconds: a small InnoDB, no binary log, no flushing at commit, no
performance schema, no name resolution.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pymysql
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from backend.targets.target import QueryTarget

START_SECONDS = 60.0
ADMIN = "eaa_admin"


class MariaDbNotFound(RuntimeError):
    pass


@dataclass(frozen=True)
class MariaDbServer:
    """Where the server answers over TCP, and an administrator login for it."""

    host: str
    port: int
    admin_user: str
    admin_password: str
    files_dir: Path | None  # the only directory the server may read or write files in

    def url(self, database: str = "", *, user: str | None = None, password: str = "") -> str:
        """A ``mysql://`` URL as a user would paste it (the administrator by default)."""
        login = user or self.admin_user
        secret = password if user else self.admin_password
        auth = f"{quote(login)}:{quote(secret)}" if secret else quote(login)
        return f"mysql://{auth}@{self.host}:{self.port}/{database}"

    def connect(self, database: str | None = None) -> pymysql.connections.Connection:
        """An autocommit administrator connection, for setting up and checking data."""
        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.admin_user,
            password=self.admin_password,
            database=database,
            autocommit=True,
            charset="utf8mb4",
            connect_timeout=10,
            read_timeout=60,
        )


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("mysql", "nobody"):
        with suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise MariaDbNotFound("running as root and no unprivileged user to run MariaDB")


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or next(
            (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.is_file()),
            None,
        )
        if found:
            return found
    raise MariaDbNotFound(f"no {names[0]} on PATH: install Debian's mariadb-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_args(base: Path, port: int) -> list[str]:
    return [
        "--no-defaults",
        f"--datadir={base / 'data'}",
        f"--socket={base / 'mysqld.sock'}",
        f"--pid-file={base / 'mysqld.pid'}",
        f"--log-error={base / 'server.log'}",
        f"--tmpdir={base / 'tmp'}",
        f"--secure-file-priv={base / 'files'}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        "--skip-name-resolve",
        "--skip-log-bin",
        "--performance-schema=OFF",
        "--innodb-buffer-pool-size=32M",
        "--innodb-log-file-size=16M",
        "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_general_ci",
        "--max-connections=200",
    ]


def _wait_ready(process: subprocess.Popen[bytes], base: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (base / "server.log").read_text(errors="replace")[-2000:]
            raise MariaDbNotFound(f"mariadbd exited with {process.returncode}:\n{log}")
        try:
            pymysql.connect(unix_socket=str(base / "mysqld.sock"), user="root").close()
            return
        except pymysql.err.OperationalError:
            time.sleep(0.05)
    raise MariaDbNotFound(f"mariadbd did not accept connections within {START_SECONDS:g} s")


def _create_admin(base: Path) -> str:
    """An administrator that logs in over TCP with a password made up for this run."""
    password = secrets.token_urlsafe(18)
    conn = pymysql.connect(unix_socket=str(base / "mysqld.sock"), user="root", autocommit=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE USER '{ADMIN}'@'127.0.0.1' IDENTIFIED BY %s", (password,))
            cursor.execute(
                f"GRANT ALL PRIVILEGES ON *.* TO '{ADMIN}'@'127.0.0.1' WITH GRANT OPTION"
            )
    finally:
        conn.close()
    return password


def _self_signed_certificate(folder: Path) -> list[str]:
    """A key and a self-signed certificate for ``localhost``, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (folder / "server-key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    (folder / "server-cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return [f"--ssl-cert={folder / 'server-cert.pem'}", f"--ssl-key={folder / 'server-key.pem'}"]


@contextmanager
def throwaway_server(*, tls: bool = False) -> Iterator[MariaDbServer]:
    """A fresh server; with ``tls`` it also offers TLS (a self-signed certificate)."""
    install = _binary("mariadb-install-db", "mysql_install_db")
    server_binary = _binary("mariadbd", "mysqld")
    user = _server_user()
    base = Path(tempfile.mkdtemp(prefix="eaa-mariadb-"))
    os.chmod(base, 0o755)
    for sub in ("tmp", "files"):
        (base / sub).mkdir()
    if user:
        for path in (base, base / "tmp", base / "files"):
            shutil.chown(path, user)
    port = _free_port()
    process: subprocess.Popen[bytes] | None = None
    extra = _self_signed_certificate(base / "tmp") if tls else []
    if user:
        for pem in (base / "tmp").glob("*.pem"):
            shutil.chown(pem, user)
    try:
        subprocess.run(
            [
                install,
                "--no-defaults",
                f"--datadir={base / 'data'}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
                *([f"--user={user}"] if user else []),
            ],
            check=True,
            user=user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=START_SECONDS,
        )
        process = subprocess.Popen(
            [server_binary, *_server_args(base, port), *extra],
            user=user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_ready(process, base)
        password = _create_admin(base)
        yield MariaDbServer("127.0.0.1", port, ADMIN, password, base / "files")
    finally:
        if process is not None:
            process.kill()  # its data is thrown away: no clean shutdown to wait for
            process.wait()
        shutil.rmtree(base, ignore_errors=True)


def external_server(url: str) -> MariaDbServer:
    """The server ``TEST_MYSQL_URL`` names (``mysql://user:password@host:port/``)."""
    parsed = make_url(url)
    return MariaDbServer(
        parsed.host or "127.0.0.1",
        parsed.port or 3306,
        parsed.username or "root",
        parsed.password or "",
        None,
    )


@contextmanager
def test_server() -> Iterator[MariaDbServer]:
    """The server named by ``TEST_MYSQL_URL``, else a throwaway one."""
    external = os.environ.get("TEST_MYSQL_URL")
    if external:
        yield external_server(external)
        return
    with throwaway_server() as server:
        yield server


def create_database(server: MariaDbServer, name: str) -> None:
    conn = server.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        conn.close()


def drop_database(server: MariaDbServer, name: str) -> None:
    conn = server.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


def create_reader(server: MariaDbServer, database: str) -> tuple[str, str]:
    """A normal login that may only read ``database`` (as most users' own logins are)."""
    user = f"r_{secrets.token_hex(6)}"
    password = secrets.token_urlsafe(18)
    conn = server.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
            cursor.execute(f"GRANT SELECT ON `{database}`.* TO '{user}'@'%'")
    finally:
        conn.close()
    return user, password


def _demo_column(spec: str) -> str:
    """The demo catalogue's PostgreSQL column type in MySQL's words (keys added separately)."""
    spec = spec.split(" REFERENCES ", 1)[0]
    for postgres, mysql in (("integer", "INT"), ("numeric", "DECIMAL"), ("text", "VARCHAR(255)")):
        spec = spec.replace(postgres, mysql)
    return spec


def _tsv_value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def load_demo(server: MariaDbServer, database: str) -> None:
    """The generated demo (the rows PostgreSQL and SQLite get), with its keys, in ``database``.

    Sent as tab-separated text with ``LOAD DATA LOCAL`` (this setup connection only): a few
    times faster than INSERTs, which matters at the start of a test session.
    """
    from backend.demo.catalogue import TABLES
    from backend.demo.generate import generate

    dataset = generate()
    conn = pymysql.connect(
        host=server.host,
        port=server.port,
        user=server.admin_user,
        password=server.admin_password,
        database=database,
        autocommit=True,
        charset="utf8mb4",
        local_infile=True,
        read_timeout=120,
    )
    try:
        with conn.cursor() as cursor, tempfile.TemporaryDirectory() as folder:
            for name, columns in TABLES.items():
                parts = [f"{c.name} {_demo_column(c.postgres)}" for c in columns]
                parts += [
                    f"FOREIGN KEY ({c.name}) REFERENCES borrowers ({c.name})"
                    for c in columns
                    if " REFERENCES " in c.postgres
                ]
                cursor.execute(f"CREATE TABLE {name} ({', '.join(parts)}) ENGINE=InnoDB")
                path = Path(folder) / f"{name}.tsv"
                with path.open("w", encoding="utf-8") as out:
                    for row in dataset.rows(name):
                        out.write("\t".join(_tsv_value(v) for v in row) + "\n")
                cursor.execute(
                    f"LOAD DATA LOCAL INFILE %s INTO TABLE {name} CHARACTER SET utf8mb4",
                    (str(path),),
                )
            cursor.execute("ANALYZE TABLE borrowers, loans")
            cursor.fetchall()
    finally:
        conn.close()


def query_target(
    url: str, *, key: str, hold_seconds: float = 60.0, ssl_mode: str = "disable"
) -> QueryTarget:
    """A user's connection to ``url`` as the app builds it (pooled, vetted, scanned)."""
    from backend.connections.pools import make_target_engine
    from backend.connections.urls import parse
    from backend.core.dialects import Dialect
    from backend.targets.introspect import introspect
    from backend.targets.target import QueryTarget

    spec = parse(url, None, ssl_mode)
    engine = make_target_engine(
        spec,
        pooled=True,
        hostaddr=spec.host,
        app_identity=lambda: None,
        hold_seconds=hold_seconds,
        pool_max=5,
    )
    info = introspect(engine, dialect=Dialect.MYSQL)
    return QueryTarget(key, engine, Dialect.MYSQL, None, info, None)
