"""Per-connection pools: reused while busy, evicted when idle or beyond the cap, all disposed.

Contract: services.connection_pools.PoolCache (idle eviction on lookup, LRU cap, dispose_all).
"""

from __future__ import annotations

import time

from backend.connections.pools import PoolCache
from sqlalchemy import Engine, create_engine, text


def _probe(built: list[Engine]) -> Engine:
    engine = create_engine("sqlite://")
    built.append(engine)
    return engine


def test_a_pool_is_reused_then_evicted_after_idling() -> None:
    built: list[Engine] = []
    cache = PoolCache(idle_seconds=0.2, max_pools=10)
    first = cache.engine("a", lambda: _probe(built))
    assert cache.engine("a", lambda: _probe(built)) is first
    cache.engine("b", lambda: _probe(built))
    time.sleep(0.3)
    cache.engine("c", lambda: _probe(built))
    assert cache.keys() == ["c"]
    again = cache.engine("a", lambda: _probe(built))
    assert again is not first
    with again.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_the_least_recently_used_pool_goes_beyond_the_cap_and_all_close_on_shutdown() -> None:
    built: list[Engine] = []
    cache = PoolCache(idle_seconds=60, max_pools=2)
    cache.engine("a", lambda: _probe(built))
    cache.engine("b", lambda: _probe(built))
    cache.engine("a", lambda: _probe(built))
    cache.engine("c", lambda: _probe(built))
    assert cache.keys() == ["a", "c"]
    cache.discard("a")
    assert cache.keys() == ["c"]
    cache.dispose_all()
    assert cache.keys() == []
    assert len(built) == 3
