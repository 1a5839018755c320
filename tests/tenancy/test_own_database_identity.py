"""The app's own database is refused by what it is, not by how its address is spelled.

Contract: services.connection_urls.vet_destination and the identity check of
services.connection_pools: with private hosts allowed (as in development), a user's connection
that reaches the app database — through ``127.0.0.1``, ``localhost`` or any other route — is
refused (422 ``invalid_connection``) because the server's ``system_identifier`` and the database
name match; unix sockets are refused for user connections altogether. Another database on the
same server stays allowed. Real backend process, real PostgreSQL.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.tenancy.conftest import UserDatabase, bearer, register, tcp_url


def _test(api: httpx.Client, user: dict[str, str], url: str) -> httpx.Response:
    return api.post(
        "/api/connections/test", json={"url": url, "ssl_mode": "disable"}, headers=bearer(user)
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_app_database_over_another_route_is_refused(
    api: httpx.Client, pg_url: str, host: str
) -> None:
    user = register(api)
    app_db = make_url(pg_url).database or ""
    url = tcp_url(pg_url, database=app_db).replace("@127.0.0.1:", f"@{host}:")
    refused = _test(api, user, url)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "invalid_connection"
    assert "own database" in refused.json()["detail"]
    saved = api.post(
        "/api/connections",
        json={"name": "sneaky", "url": url, "ssl_mode": "disable"},
        headers=bearer(user),
    )
    assert saved.status_code == 422
    assert api.get("/api/connections", headers=bearer(user)).json()["items"] == []


def test_unix_sockets_are_refused_for_user_connections(api: httpx.Client, pg_url: str) -> None:
    user = register(api)
    socket_dir = str(make_url(pg_url).query["host"])
    for url in (
        f"postgresql://postgres@/postgres?host={socket_dir}",
        pg_url.replace(f"/{make_url(pg_url).database}?", "/postgres?"),
    ):
        refused = _test(api, user, url)
        assert refused.status_code == 422, refused.text
        assert "nix-socket" in refused.json()["detail"]


def test_another_database_on_the_same_server_is_allowed(
    api: httpx.Client, user_db: UserDatabase
) -> None:
    user = register(api)
    tested = _test(api, user, user_db.url)
    assert tested.status_code == 200, tested.text
    assert tested.json()["table_count"] == 2
