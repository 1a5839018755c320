"""Answers are capped in bytes as rows are fetched, and heavy failures are not free.

Contract: services.executor caps each text value at ``QUERY_MAX_CELL_BYTES`` and the whole
result at ``QUERY_MAX_RESULT_BYTES`` while fetching, and says ``truncated`` as for the row cap;
services.ask charges a question that ran out of time against the allowance (an anonymous
visitor's second timeout answers 402). Real backend process on production defaults, real
PostgreSQL demo data; the backend's peak memory is held under 512 MB by the fixture.
"""

from __future__ import annotations

import uuid

import httpx

from tests.hardening.conftest import BackendStarter, peak_memory_mb

WIDE = ", ".join(f"lpad('x', 1000, '{c}') AS {c}" for c in "abcdefghij")
# 10 columns of 1,000 characters on 5,000 rows: 50 MB of values, if nothing capped them.
WIDE_SQL = f"SELECT {WIDE}, l.loan_id FROM loans l ORDER BY l.loan_id LIMIT 5000"


def _signed_in(base: str) -> dict[str, str]:
    registered = httpx.post(
        base + "/api/auth/register",
        json={"email": f"bytes-{uuid.uuid4().hex[:8]}@example.com", "password": "long pw 12345"},
    )
    assert registered.status_code == 201, registered.text
    return {"Authorization": f"Bearer {registered.json()['access_token']}"}


def test_a_wide_result_stops_at_the_byte_cap(pg_url: str, start_backend: BackendStarter) -> None:
    with start_backend(pg_url, QUERY_MAX_RESULT_BYTES="2000000") as backend:
        headers = _signed_in(backend.base_url)
        answer = httpx.post(
            backend.base_url + "/api/query", json={"sql": WIDE_SQL}, headers=headers, timeout=60
        )
    assert answer.status_code == 200, answer.text[:300]
    assert len(answer.content) < 3_000_000
    body = answer.json()
    assert body["truncated"] is True
    assert 100 < body["row_count"] < 5000
    assert body["rows"][0][-1] == 1


def test_one_long_value_is_cut_to_the_cell_cap(pg_url: str, start_backend: BackendStarter) -> None:
    sql = "SELECT string_agg(lpad('x', 1000, 'y'), '') AS long_text FROM loans WHERE loan_id <= 500"
    with start_backend(pg_url, QUERY_MAX_CELL_BYTES="5000") as backend:
        answer = httpx.post(
            backend.base_url + "/api/query",
            json={"sql": sql},
            headers=_signed_in(backend.base_url),
            timeout=60,
        )
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    assert body["truncated"] is True
    cell = body["rows"][0][0]
    assert cell.startswith("yyy")
    assert len(cell.encode()) <= 5000 + len("…".encode())


def test_an_anonymous_timeout_costs_the_free_question(
    pg_url: str, start_backend: BackendStarter
) -> None:
    slow = "SELECT count(*) FROM loans a CROSS JOIN loans b"
    visitor = {"X-Anonymous-ID": uuid.uuid4().hex}
    with start_backend(pg_url, QUERY_TIMEOUT_SECONDS="0.5") as backend:
        first = httpx.post(
            backend.base_url + "/api/query", json={"sql": slow}, headers=visitor, timeout=60
        )
        again = httpx.post(
            backend.base_url + "/api/query", json={"sql": slow}, headers=visitor, timeout=60
        )
    assert first.status_code == 422, first.text
    assert first.json()["error"] == "query_timeout"
    assert again.status_code == 402, again.text
    assert again.json()["error"] == "quota_exceeded"


def test_a_huge_value_is_cut_by_the_database_not_after_fetching(
    pg_url: str, start_backend: BackendStarter
) -> None:
    """One 200 MB value: libpq takes a row whole, so only a cut made by the server keeps it
    out of the backend's memory (held well under the value's size)."""
    sql = (
        "SELECT string_agg(lpad('x', 1000, 'y'), '') AS huge, count(*) AS n "
        "FROM loans a CROSS JOIN (SELECT loan_id FROM loans LIMIT 4) b"
    )
    with start_backend(pg_url, QUERY_MAX_CELL_BYTES="5000") as backend:
        before = peak_memory_mb(backend)
        answer = httpx.post(
            backend.base_url + "/api/query",
            json={"sql": sql},
            headers=_signed_in(backend.base_url),
            timeout=120,
        )
        after = peak_memory_mb(backend)
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    assert body["columns"] == ["huge", "n"]
    assert body["rows"][0][1] >= 200_000  # the value really was ~200 MB on the server
    assert body["truncated"] is True
    assert len(body["rows"][0][0].encode()) <= 5000 + len("…".encode())
    assert before is not None
    assert after is not None
    assert after - before < 100, f"peak memory grew {after - before:.0f} MB"
