"""Users' connections carry nothing of the server's own libpq environment or files.

Contract: services.connection_pools connects to a user's database with an explicit, complete
libpq parameter set, so ``PGPASSWORD``, ``~/.pgpass``, ``PGSSLCERT``/``~/.postgresql`` and
other ``PG*`` variables of the backend never reach someone else's server. Held against a real
backend process and a fake PostgreSQL server that asks for a cleartext password and records it.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import psycopg
import pytest
from backend.connections.pools import libpq_params
from backend.connections.urls import parse
from devkit.fake_postgres import fake_postgres
from devkit.processes import backend_command, run_service
from psycopg.conninfo import make_conninfo

from tests.tenancy.conftest import backend_env, bearer, register

SERVER_PASSWORD = "server-own-pw-31337"


@pytest.mark.parametrize("source", ["PGPASSWORD", "pgpass"])
def test_a_url_without_password_never_sends_the_servers_password(
    pg_url: str, work_dir: Path, source: str
) -> None:
    home = work_dir / "home"
    home.mkdir()
    pgpass = home / ".pgpass"
    pgpass.write_text(f"*:*:*:*:{SERVER_PASSWORD}\n")
    pgpass.chmod(0o600)
    extra = {"HOME": str(home)}
    if source == "PGPASSWORD":
        extra |= {"PGPASSWORD": SERVER_PASSWORD, "PGPASSFILE": str(work_dir / "none")}
    with (
        fake_postgres("password") as fake,
        run_service(
            backend_command(),
            env=backend_env(pg_url, **extra),
            health_path="/api/health",
            log_dir=work_dir,
        ) as backend,
        httpx.Client(base_url=backend.base_url, timeout=30.0) as api,
    ):
        user = register(api)
        tested = api.post(
            "/api/connections/test",
            json={"url": f"postgresql://victim@127.0.0.1:{fake.port}/x", "ssl_mode": "disable"},
            headers=bearer(user),
        )
        assert tested.status_code == 422, tested.text
        assert tested.json()["error"] == "connection_failed"
    assert fake.startups, "the backend never reached the fake server"
    assert SERVER_PASSWORD not in [p for p in fake.passwords if p]
    assert SERVER_PASSWORD not in tested.text


HOSTILE_ENV = {
    "PGPASSWORD": "server-pw",
    "PGPASSFILE": "/etc/server.pgpass",
    "PGSSLCERT": "/etc/server.crt",
    "PGSSLKEY": "/etc/server.key",
    "PGSSLROOTCERT": "/etc/server-root.crt",
    "PGHOSTADDR": "10.9.9.9",
    "PGOPTIONS": "-c work_mem=1",
    "PGAPPNAME": "server-app",
    "PGREQUIREAUTH": "password",
    "PGTARGETSESSIONATTRS": "read-write",
    "PGSSLMODE": "verify-full",
}


def test_no_libpq_option_is_left_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """libpq's own view of the options (PQconninfo): nothing comes from PG* variables."""
    for name, value in HOSTILE_ENV.items():
        monkeypatch.setenv(name, value)
    spec = parse("postgresql://u@db.example.com:5432/db", None, "require")
    pgconn = psycopg.pq.PGconn.connect_start(
        make_conninfo(**libpq_params(spec, "192.0.2.10")).encode()
    )
    try:
        effective = {o.keyword.decode(): (o.val or b"").decode() for o in pgconn.info}
    finally:
        pgconn.finish()
    leaked = {k: v for k, v in effective.items() if v and v in HOSTILE_ENV.values()}
    assert leaked == {}
    assert effective["password"] == ""
    assert effective["hostaddr"] == "192.0.2.10"
    assert not os.path.exists(effective["sslcert"])
