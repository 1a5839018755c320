"""One bounded connection pool per user connection, evicted when idle, disposed on shutdown.

Pools hold 2 idle connections and open at most 10; a pool unused for ``IDLE_SECONDS`` is
disposed on the next lookup (no background thread), and at most ``MAX_POOLS`` stay open so a
server with many users does not exhaust file descriptors. Every connection opens read-only
(``default_transaction_read_only``) as a second line of defence behind the SQL guard.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool, QueuePool

from backend.connections.urls import ConnectionSpec

CONNECT_TIMEOUT_SECONDS = 5
POOL_MIN = 2
POOL_MAX = 10
IDLE_SECONDS = 300.0
MAX_POOLS = 32


def make_target_engine(spec: ConnectionSpec, *, pooled: bool, hostaddr: str | None) -> Engine:
    """An engine for a user's database; ``hostaddr`` pins the vetted address to connect to."""
    connect_args: dict[str, object] = {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "sslmode": spec.ssl_mode,
        "application_name": "eaa-assistant",
        "options": "-c default_transaction_read_only=on",
    }
    if hostaddr:
        connect_args["hostaddr"] = hostaddr
    if not pooled:
        return create_engine(spec.sqlalchemy_url(), poolclass=NullPool, connect_args=connect_args)
    return create_engine(
        spec.sqlalchemy_url(),
        poolclass=QueuePool,
        pool_size=POOL_MIN,
        max_overflow=POOL_MAX - POOL_MIN,
        pool_timeout=10,
        pool_pre_ping=True,
        pool_recycle=int(IDLE_SECONDS),
        connect_args=connect_args,
    )


class PoolCache:
    def __init__(self, *, idle_seconds: float = IDLE_SECONDS, max_pools: int = MAX_POOLS) -> None:
        self._idle_seconds = idle_seconds
        self._max_pools = max_pools
        self._pools: OrderedDict[str, tuple[Engine, float]] = OrderedDict()
        self._lock = threading.Lock()

    def engine(self, key: str, build: Callable[[], Engine]) -> Engine:
        now = time.monotonic()
        stale: list[Engine] = []
        with self._lock:
            for other, (_, used) in list(self._pools.items()):
                if now - used > self._idle_seconds and other != key:
                    stale.append(self._pools.pop(other)[0])
            if key in self._pools:
                engine = self._pools.pop(key)[0]
            else:
                engine = build()
                while len(self._pools) >= self._max_pools:
                    stale.append(self._pools.popitem(last=False)[1][0])
            self._pools[key] = (engine, now)
        for old in stale:
            old.dispose()
        return engine

    def discard(self, key: str) -> None:
        with self._lock:
            entry = self._pools.pop(key, None)
        if entry:
            entry[0].dispose()

    def dispose_all(self) -> None:
        with self._lock:
            engines = [engine for engine, _ in self._pools.values()]
            self._pools.clear()
        for engine in engines:
            engine.dispose()

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._pools)
