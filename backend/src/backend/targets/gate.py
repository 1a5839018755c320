"""How much work against queried databases (the demo and users' own) may run at once.

Routes are sync, so each request waiting on a database holds one of the server's worker
threads. Without a bound, a slow or silent database (or one visitor's heavy questions) could
take every thread and starve health checks, sign-ins and everyone else. The gate admits at most
``total`` such operations in the process and ``per_target`` on any one database, and refuses
the rest at once with 503 and ``Retry-After``, never queueing them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from backend.core.errors import ServiceUnavailable

RETRY_AFTER_SECONDS = 2


class DatabaseBusy(ServiceUnavailable):
    code = "database_busy"


class WorkGate:
    def __init__(self, *, total: int, per_target: int) -> None:
        self._lock = threading.Lock()
        self._total = total
        self._per_target = per_target
        self._running = 0
        self._by_target: dict[str, int] = {}

    def configure(self, *, total: int, per_target: int) -> None:
        with self._lock:
            self._total, self._per_target = total, per_target

    @property
    def per_target(self) -> int:
        return self._per_target

    @contextmanager
    def admit(self, target: str) -> Iterator[None]:
        with self._lock:
            if self._running >= self._total:
                raise DatabaseBusy(
                    "The service is answering many database questions right now; please retry "
                    "in a moment.",
                    retry_after=RETRY_AFTER_SECONDS,
                )
            if self._by_target.get(target, 0) >= self._per_target:
                raise DatabaseBusy(
                    f"This database already has {self._per_target} questions running; "
                    "please wait for one to finish.",
                    retry_after=RETRY_AFTER_SECONDS,
                )
            self._running += 1
            self._by_target[target] = self._by_target.get(target, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                left = self._by_target[target] - 1
                if left:
                    self._by_target[target] = left
                else:
                    del self._by_target[target]


# One per process, sized from the settings when the connection registry is built.
GATE = WorkGate(total=16, per_target=5)
