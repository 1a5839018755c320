"""Two users over every endpoint: neither can read, change or use the other's resources.

Contract: every owner-scoped route answers 404 for another user's resource (exactly like a
missing one) and leaves it untouched. The test reads the OpenAPI document and fails if a route
exists that it did not walk, so a new endpoint cannot skip this check.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.tenancy.conftest import UserDatabase, bearer, register
from tests.tenancy.test_connections import add_connection

SALES_BY_REGION = "SELECT region_id, SUM(amount) AS total FROM sales GROUP BY region_id ORDER BY 1"
NOT_OWNER_SCOPED = {"/api/health", "/api/examples", "/api/plans", "/api/transcribe"}


class Walker:
    """Sends requests and remembers which (method, route template) were exercised."""

    def __init__(self, api: httpx.Client) -> None:
        self.api = api
        self.seen: set[tuple[str, str]] = set()

    def call(
        self, method: str, template: str, user: dict[str, str] | None, **kwargs: Any
    ) -> httpx.Response:
        self.seen.add((method.lower(), template))
        path = template.format(**kwargs.pop("ids", {}))
        headers = bearer(user) if user else {}
        return self.api.request(method, path, headers=headers, **kwargs)


def test_no_cross_user_read_or_write_on_any_endpoint(
    api: httpx.Client, user_db: UserDatabase
) -> None:
    w = Walker(api)
    alice, bob = register(api), register(api)
    conn = add_connection(api, alice, user_db)
    bob_conn = add_connection(api, bob, user_db)
    ids = {"connection_id": conn["id"], "item_id": ""}
    asked = w.call(
        "POST", "/api/query", alice, json={"sql": SALES_BY_REGION, "connection_id": conn["id"]}
    )
    assert asked.status_code == 200, asked.text
    ids["item_id"] = asked.json()["id"]
    conversation = asked.json()["conversation_id"]

    # Bob, signed in, reaches for Alice's connection, history item and conversation.
    assert w.call("GET", "/api/connections", bob).json()["items"][0]["id"] == bob_conn["id"]
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/api/connections/{connection_id}", None),
        ("PUT", "/api/connections/{connection_id}/tables", {"enabled": []}),
        ("POST", "/api/connections/{connection_id}/scan", None),
        ("DELETE", "/api/connections/{connection_id}", None),
        ("PUT", "/api/history/{item_id}/feedback", {"value": -1}),
        ("GET", "/api/history/{item_id}/answer", None),
        ("POST", "/api/history/{item_id}/rerun", None),
        ("GET", "/api/history/{item_id}/csv", None),
    ]
    for method, template, body in calls:
        response = w.call(method, template, bob, ids=ids, json=body)
        assert response.status_code == 404, (method, template, response.text)
        assert response.json()["error"] == "not_found"
    for body in [
        {"sql": SALES_BY_REGION, "connection_id": conn["id"]},
        {"question": "total amount by region", "connection_id": conn["id"]},
        {"sql": SALES_BY_REGION, "connection_id": bob_conn["id"], "conversation_id": conversation},
    ]:
        response = w.call("POST", "/api/query", bob, json=body)
        assert response.status_code == 404, response.text
        streamed = w.call("POST", "/api/query/stream", bob, json=body)
        assert streamed.status_code == 404, streamed.text  # refused before any event
    stop = w.call("POST", "/api/query/{question_id}/cancel", bob, ids={"question_id": "0" * 32})
    assert stop.status_code == 404, stop.text
    bob_history = w.call("GET", "/api/history", bob).json()
    assert bob_history["total"] == 0
    assert bob_history["items"] == []
    assert w.call("GET", "/api/auth/me", bob).json()["email"] == bob["email"]

    # Connection routes that take no id only ever act on the caller's own data.
    source = {"url": user_db.url, "ssl_mode": "disable"}
    assert w.call("POST", "/api/connections/parse", bob, json=source).status_code == 200
    assert w.call("POST", "/api/connections/test", bob, json=source).status_code == 200
    third = w.call("POST", "/api/connections", bob, json={**source, "name": "Bob 2"})
    assert third.status_code == 201
    upload = w.call(
        "POST", "/api/uploads", bob, files={"file": ("bob.csv", b"city,n\nOslo,1\n", "text/csv")}
    )
    assert upload.status_code == 201, upload.text
    bob_usage = w.call("GET", "/api/uploads/usage", bob).json()
    assert bob_usage["used_bytes"] > 0
    assert api.get("/api/uploads/usage", headers=bearer(alice)).json()["used_bytes"] == 0

    # Bob signs out and deletes his account: Alice is untouched by both.
    assert w.call("POST", "/api/auth/refresh", None, json={"refresh_token": bob["refresh_token"]})
    assert w.call("POST", "/api/auth/logout", bob).status_code == 204
    bob_again = api.post(
        "/api/auth/login", json={"email": bob["email"], "password": bob["password"]}
    ).json()
    bob_token = {"authorization": f"Bearer {bob_again['access_token']}"}
    assert w.call("DELETE", "/api/auth/me", bob_token).status_code == 204
    assert w.call("POST", "/api/auth/register", None, json={"email": "x"}).status_code == 422
    assert w.call("POST", "/api/auth/login", None, json={"email": "x"}).status_code == 422

    mine = w.call("GET", "/api/connections/{connection_id}", alice, ids=ids).json()
    assert [t["enabled"] for t in mine["tables"]] == [True, True]
    history = w.call("GET", "/api/history", alice).json()
    assert history["total"] == 1
    assert history["items"][0]["feedback"] == 0
    assert history["items"][0]["connection_id"] == conn["id"]
    csv = w.call("GET", "/api/history/{item_id}/csv", alice, ids=ids)
    assert csv.status_code == 200, csv.text
    assert csv.text.splitlines() == ["region_id,total", "1,6500.0", "2,6250.0"]
    assert asked.json()["rows"] == [[1, 6500.0], [2, 6250.0]]
    opened = w.call("GET", "/api/history/{item_id}/answer", alice, ids=ids)
    assert opened.status_code == 200, opened.text
    assert opened.json()["rows"] == asked.json()["rows"]
    rerun = w.call("POST", "/api/history/{item_id}/rerun", alice, ids=ids)
    assert rerun.status_code == 200, rerun.text
    assert rerun.json()["rows"] == asked.json()["rows"]
    liked = w.call("PUT", "/api/history/{item_id}/feedback", alice, ids=ids, json={"value": 1})
    assert liked.status_code == 204
    assert api.get("/api/history", headers=bearer(alice)).json()["items"][-1]["feedback"] == 1

    routes = {
        (method, path)
        for path, operations in api.get("/api/openapi.json").json()["paths"].items()
        for method in operations
        if path not in NOT_OWNER_SCOPED
    }
    assert routes - w.seen == set(), "routes not walked with two users"
