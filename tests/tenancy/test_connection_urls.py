"""What users may paste as a connection: accepted shapes, masking, and refused targets.

Contract: connections.urls (PostgreSQL and MySQL/MariaDB; no files or sockets; no private
hosts unless allowed; never the app's own database).
"""

from __future__ import annotations

import pytest
from backend.connections.urls import (
    MASK,
    InvalidConnection,
    parse,
    vet_destination,
)
from sqlalchemy.engine import make_url


def test_url_is_parsed_and_the_password_masked() -> None:
    spec = parse("postgres://ana:s3cr%40t@db.example.com:6543/sales?sslmode=require", None, None)
    assert (spec.host, spec.port, spec.database, spec.username) == (
        "db.example.com",
        6543,
        "sales",
        "ana",
    )
    assert spec.password == "s3cr@t"
    assert spec.ssl_mode == "require"
    described = spec.describe()
    assert described.password == MASK
    assert "s3cr" not in str(described)
    assert described.display_url == f"postgresql://ana:{MASK}@db.example.com:6543/sales"


def test_env_content_with_database_url_or_pg_variables() -> None:
    env = "# prod\nexport DATABASE_URL='postgresql://bo:pw-1234567@db.example.com/app'\n"
    assert parse(None, env, "disable").database == "app"
    pg = 'PGHOST=db.example.com\nPGPORT=5433\nPGDATABASE=crm\nPGUSER=bo\nPGPASSWORD="p w"\n'
    spec = parse(None, pg, None)
    assert (spec.port, spec.database, spec.password, spec.ssl_mode) == (
        5433,
        "crm",
        "p w",
        "prefer",
    )


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("mysql://ana:s3cr%40t@db.example.com/sales", "mysql"),
        ("mariadb://ana:s3cr%40t@db.example.com/sales", "mariadb"),
        ("mysql+pymysql://ana:s3cr%40t@db.example.com/sales", "mysql+pymysql"),
    ],
)
def test_mysql_and_mariadb_urls_are_parsed_with_the_password_masked(url: str, scheme: str) -> None:
    spec = parse(url, None, None)
    assert (spec.dialect, spec.host, spec.port, spec.database, spec.username) == (
        "mysql",
        "db.example.com",
        3306,
        "sales",
        "ana",
    ), scheme
    assert spec.password == "s3cr@t"
    described = spec.describe()
    assert described.password == MASK
    assert "s3cr" not in str(described)
    assert described.display_url == f"mysql://ana:{MASK}@db.example.com:3306/sales"


@pytest.mark.parametrize(
    ("option", "mode"),
    [
        ("ssl-mode=REQUIRED", "require"),
        ("ssl_mode=preferred", "prefer"),
        ("ssl-mode=DISABLED", "disable"),
        ("sslmode=require", "require"),
        ("", "prefer"),
    ],
)
def test_mysql_ssl_modes_are_read_in_either_spelling(option: str, mode: str) -> None:
    spec = parse(f"mysql://u:p@db.example.com:3307/x?{option}", None, None)
    assert (spec.port, spec.ssl_mode) == (3307, mode)


def test_env_content_with_mysql_variables() -> None:
    env = (
        "MYSQL_HOST=db.example.com\nMYSQL_TCP_PORT=3307\nMYSQL_DATABASE=shop\n"
        "MYSQL_USER=app\nMYSQL_PWD='p w'\nMYSQL_SSL_MODE=REQUIRED\n"
    )
    spec = parse(None, env, None)
    assert (spec.dialect, spec.port, spec.database, spec.username, spec.password) == (
        "mysql",
        3307,
        "shop",
        "app",
        "p w",
    )
    assert spec.ssl_mode == "require"
    mariadb = "MARIADB_HOST=db.example.com\nMARIADB_DATABASE=crm\nMARIADB_USER=bo\n"
    assert parse(None, mariadb, "disable").ssl_mode == "disable"
    with pytest.raises(InvalidConnection, match="MYSQL_HOST"):
        parse(None, "MYSQL_USER=app\n", None)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:////etc/passwd", "File-based"),
        ("mysql://u:p@db.example.com/x?unix_socket=/run/mysqld/mysqld.sock", "nix-socket"),
        ("mysql://u:p@db.example.com/x?init_command=SET+x%3D1", "Unsupported URL option"),
        ("mysql://u:p@db.example.com/x?ssl-mode=VERIFY_IDENTITY", "certificate verification"),
        ("mysql://u:p@db.example.com/x?ssl-mode=sometimes", "SSL mode"),
        ("mysql://u:p@db.example.com", "database name"),
        ("mysql+mysqlconnector://u:p@db.example.com/x", "Unsupported database"),
        ("oracle://u:p@db.example.com/x", "Unsupported database"),
        ("postgresql://u:p@db.example.com/x?options=-c%20x", "Unsupported URL option"),
        ("postgresql://u:p@db.example.com", "database name"),
        ("postgresql://u:p@db.example.com/x?sslmode=verify-full", "SSL mode"),
        ("not a url", "not a database URL"),
        ("postgresql://u:p@/x?host=/var/run/postgresql", "nix-socket"),
        ("postgresql://u:p@a.example.com,b.example.com/x", "multi-host"),
    ],
)
def test_unsupported_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(InvalidConnection, match=message):
        parse(url, None, None)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:p@127.0.0.1/x",
        "postgresql://u:p@localhost/x",
        "postgresql://u:p@10.1.2.3/x",
        "postgresql://u:p@169.254.169.254/x",
        "postgresql://u:p@[::1]/x",
        "postgresql://u:p@[::ffff:127.0.0.1]/x",
        "postgresql://u:p@[::127.0.0.1]/x",
        "postgresql://u:p@[64:ff9b::7f00:1]/x",
        "postgresql://u:p@[64:ff9b::a01:203]/x",
        "postgresql://u:p@[2002:7f00:1::]/x",
        "postgresql://u:p@[2002:a00:1::]/x",
        "mysql://u:p@127.0.0.1/x",
        "mariadb://u:p@localhost:3306/x",
        "mysql://u:p@[::ffff:10.0.0.1]/x",
    ],
)
def test_local_and_private_hosts_are_refused_by_default(url: str) -> None:
    """IPv6 transition forms carrying a loopback/private IPv4 address count as that address."""
    spec = parse(url, None, None)
    with pytest.raises(InvalidConnection):
        vet_destination(spec, allow_private=False, app_database=None)
    assert vet_destination(spec, allow_private=True, app_database=None)


def test_a_public_host_is_pinned_to_the_address_that_was_checked() -> None:
    spec = parse("postgresql://u:p@8.8.8.8:5432/x", None, None)
    assert vet_destination(spec, allow_private=False, app_database=None) == "8.8.8.8"


def test_the_apps_own_database_is_refused_by_resolved_address() -> None:
    """``localhost`` and ``127.0.0.1`` are the same server: compared as addresses, not text."""
    app_db = make_url("postgresql+psycopg://app:pw@127.0.0.1:5432/appdb")
    own = parse("postgresql://someone:else@localhost/appdb", None, None)
    with pytest.raises(InvalidConnection, match="own database"):
        vet_destination(own, allow_private=True, app_database=app_db)
    other = parse("postgresql://someone:else@localhost/otherdb", None, None)
    assert vet_destination(other, allow_private=True, app_database=app_db)
