"""The work after an answer is done once (contract: the frontend's calls as the backend's
access log records them, and the user's database's own statistics of table scans).

One signed-in question is exactly one backend call — no CSV prepared in advance, no account or
connection refresh — and one run of the SQL on the user's database; Download runs it once more.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.frontend.conftest import Stack, running_stack
from tests.frontend.test_handlers import collect
from tests.tenancy.conftest import tcp_url

SALES = """
CREATE TABLE sales (id integer PRIMARY KEY, region text NOT NULL, amount numeric NOT NULL);
INSERT INTO sales SELECT g, CASE WHEN g % 2 = 0 THEN 'North' ELSE 'South' END, g
FROM generate_series(1, 40) g;
"""
SQL = "SELECT region, SUM(amount) AS total FROM sales GROUP BY region ORDER BY region"


@pytest.fixture(scope="module")
def logged_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Production logs (JSON lines), so the access log can be read back."""
    env = {"CONNECTIONS_ALLOW_PRIVATE_HOSTS": "true", "APP_ENV": "production"}
    with running_stack(tmp_path_factory.mktemp("once"), env) as stack:
        yield stack


def backend_calls(log_path: Path) -> list[str]:
    calls = []
    for line in log_path.read_text().splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if event.get("event") == "request" and "route" in event:
                calls.append(f"{event['method']} {event['route']}")
    return calls


def scans(url: str) -> int:
    """Sequential scans of ``sales`` so far, as the server's statistics count them."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'sales'"
        ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def scans_after(url: str, baseline: int) -> int:
    """The count once the server has published the new scans: a pooled connection that stays
    open reports its statistics when idle, up to ten seconds later (PostgreSQL 15+)."""
    deadline = time.monotonic() + 15
    while scans(url) == baseline and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1.5)  # a second run, had there been one, would have reported with the first
    return scans(url)


def new_calls(stack: Stack, before: int) -> list[str]:
    time.sleep(2)  # anything the page chains after the answer would have run by now
    return backend_calls(stack.backend.log_path)[before:]


def test_one_question_is_one_call_and_one_run_download_is_one_more(
    logged_stack: Stack, pg_url: str
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(SALES.encode())
    client: Any = logged_stack.client()
    session = logged_stack.register()
    user_url = tcp_url(pg_url)  # users' connections are network ones, never sockets
    message, picked, *_ = client.predict(
        session, "Sales", user_url, None, "disable", api_name="/save_connection"
    )
    assert message.startswith("✓ Saved"), message
    connection_id = picked["value"]

    before, scanned = len(backend_calls(logged_stack.backend.log_path)), scans(pg_url)
    answer = collect(client, session, SQL, connection_id, None, api_name="/run_sql")
    assert answer["table"]["data"] == [["North", 420], ["South", 400]]
    assert new_calls(logged_stack, before) == ["POST /api/query/stream"]
    scanned, previous = scans_after(pg_url, scanned), scanned
    assert scanned == previous + 1

    before = len(backend_calls(logged_stack.backend.log_path))
    update, note, _ = client.predict(session, api_name="/download_csv")
    assert note is None or "⚠" not in str(note)
    path = update
    while isinstance(path, dict):  # an update of the file button, then its file data
        path = path.get("value") or path.get("path")
    assert Path(str(path)).read_text().splitlines() == [
        "region,total",
        "North,420.0",
        "South,400.0",
    ]
    assert new_calls(logged_stack, before) == ["GET /api/history/{item_id}/csv"]
    assert scans_after(pg_url, scanned) == scanned + 1
