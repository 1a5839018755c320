"""Rate limits per client address and per user hold across replicas.

Contract: RATE_LIMIT_PER_MINUTE requests per minute per client address and
RATE_LIMIT_USER_PER_MINUTE per signed-in user, counted in the shared app database, so two
backend processes on one PostgreSQL enforce one budget; over it the answer is 429 with
``Retry-After`` and ``{"error": "rate_limited"}``; ``/api/health`` is never limited; counting is
atomic, so concurrent requests never overshoot a limit.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
from backend.core.config import Settings, normalize_database_url
from backend.core.errors import TooManyRequests
from backend.data.database import make_engine, make_session_factory, transaction
from backend.usage import rate_limit

from tests.hardening.conftest import BackendStarter


def _fresh_window() -> None:
    """Leave at least 25 s of the current minute, so one fixed window covers the whole test."""
    if time.time() % 60 > 35:
        time.sleep(60 - time.time() % 60 + 0.2)


def _register(base_url: str) -> str:
    response = httpx.post(
        base_url + "/api/auth/register",
        json={"email": f"rl-{uuid.uuid4().hex[:8]}@example.com", "password": "long enough pw 1"},
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["access_token"]
    return token


@contextmanager
def _two_replicas(
    start_backend: BackendStarter, pg_url: str, *, address: int, user: int
) -> Iterator[Iterator[str]]:
    """Two backends on one database, taken in turn, in a fresh rate-limit window."""
    limits = {"RATE_LIMIT_PER_MINUTE": str(address), "RATE_LIMIT_USER_PER_MINUTE": str(user)}
    with start_backend(pg_url, **limits) as one, start_backend(pg_url, **limits) as two:
        _fresh_window()
        yield itertools.cycle([one.base_url, two.base_url])


def test_address_and_user_limits_are_shared_by_two_replicas(
    pg_url: str, start_backend: BackendStarter
) -> None:
    with _two_replicas(start_backend, pg_url, address=8, user=3) as replicas:
        alice, bob = _register(next(replicas)), _register(next(replicas))  # 2 of 8 used

        def me(token: str) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"}
            return httpx.get(next(replicas) + "/api/auth/me", headers=headers)

        alice_calls = [me(alice) for _ in range(4)]  # 6 of 8 used; alice's 4th is over
        bob_call = me(bob)  # 7 of 8
        anonymous = [httpx.get(next(replicas) + "/api/auth/me") for _ in range(3)]
        health = [httpx.get(next(replicas) + "/api/health") for _ in range(5)]

    assert [r.status_code for r in alice_calls] == [200, 200, 200, 429]
    refused = alice_calls[-1]
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert bob_call.status_code == 200
    # The address budget (8) is shared by both processes: the 9th request is refused.
    assert [r.status_code for r in anonymous] == [401, 429, 429]
    assert "wait" in anonymous[-1].json()["detail"]
    assert all(r.status_code == 200 for r in health)


def test_an_anonymous_visitor_is_limited_by_its_id_on_every_route(
    pg_url: str, start_backend: BackendStarter
) -> None:
    """The visitor's id is counted with the address (one connection), on any API route."""
    with _two_replicas(start_backend, pg_url, address=20, user=3) as replicas:
        visitor = {"X-Anonymous-ID": f"visitor-{uuid.uuid4().hex[:8]}"}
        calls = [httpx.get(next(replicas) + "/api/examples", headers=visitor) for _ in range(4)]
        other = httpx.get(next(replicas) + "/api/examples", headers={"X-Anonymous-ID": "another1"})
        malformed = httpx.post(
            next(replicas) + "/api/query",
            json={"question": "How many loans?"},
            headers={"X-Anonymous-ID": "no"},
        )

    assert [r.status_code for r in calls] == [200, 200, 200, 429]
    assert calls[-1].json()["error"] == "rate_limited"
    assert other.status_code == 200
    assert malformed.status_code == 422
    assert "X-Anonymous-ID" in malformed.json()["detail"]


def test_concurrent_hits_never_overshoot_the_limit(pg_url: str) -> None:
    """Twenty simultaneous requests against a limit of ten: exactly ten pass, on PostgreSQL."""
    engine = make_engine(Settings(), url=normalize_database_url(pg_url))
    sessions = make_session_factory(engine)
    now = time.time()

    def one_request(_: int) -> int | None:
        """None when allowed, else the Retry-After the refusal carries."""
        try:
            with transaction(sessions) as session:
                rate_limit.hit(session, ["ip:203.0.113.7"], limit=10, window_seconds=60, now=now)
        except TooManyRequests as refused:
            return refused.retry_after
        return None

    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            outcomes = list(pool.map(one_request, range(20)))
        with transaction(sessions) as session:  # the next window starts afresh
            rate_limit.hit(session, ["ip:203.0.113.7"], limit=10, window_seconds=60, now=now + 60)
    finally:
        engine.dispose()
    assert outcomes.count(None) == 10
    assert all(1 <= wait <= 60 for wait in outcomes if wait is not None)
