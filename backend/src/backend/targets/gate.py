"""How much work against queried databases (the demo and users' own) may run at once.

Routes are sync, so each request waiting on a database holds one of the server's worker
threads. Without a bound, a slow or silent database (or one visitor's heavy questions) could
take every thread and starve health checks, sign-ins and everyone else. The gate admits at most
``total`` such operations in the process and ``per_target`` on any one database. The rest wait
in one first-come-first-served queue for up to ``wait_seconds``, at most ``queued`` of them:
a burst is answered a moment later instead of refused. A full queue, or a wait that runs out,
answers 503 ``database_busy`` with ``Retry-After``; a question stopped while it waits leaves
the queue at once. The server's worker threads are sized from the same numbers
(``worker_threads``), so running and waiting operations together never take the threads the
rest of the API answers on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from backend.core import cancellation
from backend.core.errors import ServiceUnavailable

RETRY_AFTER_SECONDS = 2
# Worker threads kept for everything but operations in the gate: anyio's own default, which
# the API answered on before there was a queue.
API_THREADS = 40


def worker_threads(*, total: int, queued: int) -> int:
    """The size of the server's worker-thread pool for a gate of these bounds."""
    return API_THREADS + total + queued


class DatabaseBusy(ServiceUnavailable):
    code = "database_busy"


@dataclass(eq=False)
class _Waiter:
    target: str
    woken: threading.Event = field(default_factory=threading.Event)
    admitted: bool = False


class WorkGate:
    def __init__(
        self, *, total: int, per_target: int, queued: int = 0, wait_seconds: float = 0.0
    ) -> None:
        self._lock = threading.Lock()
        self._total, self._per_target = total, per_target
        self._queued, self._wait_seconds = queued, wait_seconds
        self._running = 0
        self._by_target: dict[str, int] = {}
        self._waiters: list[_Waiter] = []

    def configure(
        self, *, total: int, per_target: int, queued: int = 0, wait_seconds: float = 0.0
    ) -> None:
        with self._lock:
            self._total, self._per_target = total, per_target
            self._queued, self._wait_seconds = queued, wait_seconds
            self._hand_over()

    @property
    def per_target(self) -> int:
        return self._per_target

    @contextmanager
    def admit(self, target: str) -> Iterator[None]:
        """Run the block holding one of the slots, waiting for one if need be."""
        self._enter(target)
        try:
            yield
        finally:
            with self._lock:
                self._leave(target)

    def _enter(self, target: str) -> None:
        with self._lock:
            # Whenever a slot frees, it goes to the first waiter it fits, so nobody waiting
            # could take this one: admitting at once overtakes no one.
            if self._fits(target):
                self._take(target)
                return
            if len(self._waiters) >= self._queued or self._wait_seconds <= 0:
                waiting = f" and {len(self._waiters)} more are waiting" if self._waiters else ""
                raise self._busy(waiting)
            waiter = _Waiter(target)
            self._waiters.append(waiter)
        started, token = time.monotonic(), cancellation.current()
        try:
            with token.on_cancel(waiter.woken.set):
                waiter.woken.wait(self._wait_seconds)
        except cancellation.Cancelled:
            pass  # stopped before the wait began: handled below, as a stop during it
        except BaseException:
            self._withdraw(waiter, stopped=True)
            raise
        # Decided under the lock: a slot handed over at this moment is either kept or given
        # back, never both, and a stop noticed here is the one answered.
        if self._withdraw(waiter, stopped=token.cancelled):
            token.raise_if_cancelled()
            raise self._busy(f" (waited {time.monotonic() - started:.1f} s)")

    def _withdraw(self, waiter: _Waiter, *, stopped: bool) -> bool:
        """Leave the queue, or give back a slot a stopped waiter was handed; True if it left
        without a slot."""
        with self._lock:
            if not waiter.admitted:
                self._waiters.remove(waiter)
                return True
            if stopped:
                self._leave(waiter.target)
                return True
            return False

    def _fits(self, target: str) -> bool:
        return self._running < self._total and self._by_target.get(target, 0) < self._per_target

    def _take(self, target: str) -> None:
        self._running += 1
        self._by_target[target] = self._by_target.get(target, 0) + 1

    def _leave(self, target: str) -> None:
        self._running -= 1
        left = self._by_target[target] - 1
        if left:
            self._by_target[target] = left
        else:
            del self._by_target[target]
        self._hand_over()

    def _hand_over(self) -> None:
        """Give free slots to the waiters they fit, first come first served (under the lock)."""
        for waiter in list(self._waiters):
            if self._fits(waiter.target):
                self._take(waiter.target)
                waiter.admitted = True
                self._waiters.remove(waiter)
                waiter.woken.set()

    def _busy(self, after: str) -> DatabaseBusy:
        if self._running >= self._total:
            detail = "The service is answering many database questions right now"
        else:
            detail = f"This database already has {self._per_target} questions running"
        return DatabaseBusy(
            f"{detail}{after}; please retry in a moment.", retry_after=RETRY_AFTER_SECONDS
        )


# One per process, sized from the settings when the connection registry is built.
GATE = WorkGate(total=16, per_target=5)
