"""A MySQL/MariaDB connection over HTTP, end to end: a real backend process, a real MariaDB.

Contract: the connections section of the HTTP API holds for ``mysql://`` URLs and MYSQL_*
``.env`` content as for PostgreSQL: parse (password masked), test before save, save (sealed),
introspect (tables, keys, sampled values), choose tables, rescan, ask (POST /api/query), delete;
a failed connection is a 422 that never echoes the password.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from devkit import mariadb
from tests.tenancy.conftest import bearer, register


@pytest.fixture
def shop(mysql_server: mariadb.MariaDbServer) -> Iterator[tuple[str, str, str]]:
    """A user's shop database with a normal login: (database, user, password)."""
    name = f"shop_{uuid.uuid4().hex[:8]}"
    mariadb.create_database(mysql_server, name)
    conn = mysql_server.connect(name)
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE regions (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL)")
        cursor.execute(
            "CREATE TABLE sales (id INT PRIMARY KEY, region_id INT NOT NULL, "
            "amount DECIMAL(10, 2) NOT NULL, sold_on DATE NOT NULL, paid BOOLEAN NOT NULL, "
            "FOREIGN KEY (region_id) REFERENCES regions (id))"
        )
        cursor.execute("INSERT INTO regions VALUES (1, 'North'), (2, 'South')")
        cursor.executemany(
            "INSERT INTO sales VALUES (%s, %s, %s, %s, %s)",
            [
                (i, 1 + i % 2, 100 + i, f"2026-0{1 + i % 2}-{1 + i % 28:02d}", i % 3 == 0)
                for i in range(1, 51)
            ],
        )
    conn.close()
    user, password = mariadb.create_reader(mysql_server, name)
    yield name, user, password
    mariadb.drop_database(mysql_server, name)


def test_parse_test_save_introspect_choose_ask_and_delete(
    api: httpx.Client, mysql_server: mariadb.MariaDbServer, shop: tuple[str, str, str]
) -> None:
    database, login, password = shop
    url = mysql_server.url(database, user=login, password=password)
    user = register(api)

    parsed = api.post("/api/connections/parse", json={"url": url}, headers=bearer(user))
    assert parsed.status_code == 200, parsed.text
    assert parsed.json()["dialect"] == "mysql"
    assert parsed.json()["password"] == "••••"
    assert parsed.json()["display_url"].startswith(f"mysql://{login}:••••@")
    assert password not in parsed.text

    env_text = (
        f"MYSQL_HOST={mysql_server.host}\nMYSQL_PORT={mysql_server.port}\n"
        f"MYSQL_DATABASE={database}\nMYSQL_USER={login}\nMYSQL_PASSWORD={password}\n"
    )
    tested = api.post(
        "/api/connections/test",
        json={"env_text": env_text, "ssl_mode": "disable"},
        headers=bearer(user),
    )
    assert tested.status_code == 200, tested.text
    assert (tested.json()["dialect"], tested.json()["table_count"]) == ("mysql", 2)

    created = api.post(
        "/api/connections",
        json={"name": "Shop", "url": url, "ssl_mode": "disable"},
        headers=bearer(user),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["dialect"] == "mysql"
    assert password not in created.text
    assert {t["name"]: t["enabled"] for t in body["tables"]} == {"regions": True, "sales": True}
    path = f"/api/connections/{body['id']}"

    def ask(payload: dict[str, str]) -> httpx.Response:
        return api.post(
            "/api/query", json={**payload, "connection_id": body["id"]}, headers=bearer(user)
        )

    by_region = ask({"question": "Total amount by region"})
    assert by_region.status_code == 200, by_region.text
    assert "`sales`" in by_region.json()["sql"]
    assert sorted(by_region.json()["rows"]) == [["North", 3150.0], ["South", 3125.0]]
    monthly = ask({"question": "Monthly sales count"})
    assert monthly.status_code == 200, monthly.text
    assert monthly.json()["rows"] == [["2026-01", 25], ["2026-02", 25]]
    paid = ask({"sql": "SELECT COUNT(*) AS n FROM sales WHERE paid"})
    assert paid.json()["rows"] == [[16]]
    refused = ask({"sql": "SELECT SLEEP(5)"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "sql_refused"

    narrowed = api.put(path + "/tables", json={"enabled": ["sales"]}, headers=bearer(user))
    assert narrowed.status_code == 200, narrowed.text
    disabled = ask({"sql": "SELECT name FROM regions"})
    assert disabled.status_code == 409
    assert disabled.json()["tables"] == ["regions"]

    conn = mysql_server.connect(database)
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE targets (id INT PRIMARY KEY)")
    conn.close()
    rescanned = api.post(path + "/scan", headers=bearer(user))
    assert rescanned.status_code == 200, rescanned.text
    assert {t["name"]: t["enabled"] for t in rescanned.json()["tables"]} == {
        "regions": False,
        "sales": True,
        "targets": True,
    }

    stranger = register(api)
    assert api.get(path, headers=bearer(stranger)).status_code == 404
    assert api.delete(path, headers=bearer(user)).status_code == 204
    assert api.get("/api/connections", headers=bearer(user)).json()["items"] == []


def test_failures_are_clear_and_never_echo_the_password(
    api: httpx.Client, mysql_server: mariadb.MariaDbServer, shop: tuple[str, str, str]
) -> None:
    database, login, _ = shop
    user = register(api)

    def test_url(url: str, ssl_mode: str = "disable") -> httpx.Response:
        return api.post(
            "/api/connections/test", json={"url": url, "ssl_mode": ssl_mode}, headers=bearer(user)
        )

    wrong = test_url(mysql_server.url(database, user=login, password="pw-wrong-123"))
    assert wrong.status_code == 422
    assert wrong.json()["error"] == "connection_failed"
    assert "Access denied" in wrong.json()["detail"]
    assert "pw-wrong-123" not in wrong.text

    # The throwaway server has no certificate: "require" must refuse rather than go plaintext.
    plain_only = test_url(mysql_server.url(database, user=login, password="x"), "require")
    assert plain_only.status_code == 422
    assert "SSL" in plain_only.json()["detail"]

    closed = test_url("mysql://u:pw-closed-123@127.0.0.1:9/x")
    assert closed.status_code == 422
    assert "pw-closed-123" not in closed.text

    socket = api.post(
        "/api/connections/parse",
        json={"url": f"mysql://{login}@localhost/{database}?unix_socket=/run/mysqld/mysqld.sock"},
        headers=bearer(user),
    )
    assert socket.status_code == 422
    assert "socket" in socket.json()["detail"]
