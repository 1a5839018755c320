"""Stopping a question that is running: the model call hung up, the database told to cancel.

A question runs in one worker thread; the request to stop it comes from another (the stream's
disconnect, or ``POST /api/query/{id}/cancel``). Blocking calls cannot be interrupted from
outside, so each one registers, for as long as it runs, what would end it (``on_cancel``): the
database driver's server-side cancel, SQLite's ``interrupt()``, shutting the model server's
socket. The token travels in a context variable so those calls deep in the executor and the
model client need no extra parameter through every layer; outside a question it is a token
nobody cancels.

``on_cancel`` runs the callback under the token's lock and unregisters under the same lock:
once the ``with`` block has left, the callback can no longer fire, so a connection that went
back to its pool is never cancelled on behalf of a question that no longer uses it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from backend.core.errors import AppError

log = logging.getLogger(__name__)


class Cancelled(AppError):
    """The asker stopped the question; nothing is charged."""

    status_code = 409
    code = "cancelled"


class Cancellation:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._callbacks: dict[int, Callable[[], object]] = {}
        self._next = 0

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop whatever is running now, and every step after it (idempotent)."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            for callback in self._callbacks.values():
                _call(callback)

    def raise_if_cancelled(self) -> None:
        if self._cancelled:
            raise Cancelled("The question was stopped.")

    @contextmanager
    def on_cancel(self, callback: Callable[[], object]) -> Iterator[None]:
        """While the block runs, a cancel calls ``callback``; once cancelled, nothing starts."""
        with self._lock:
            self.raise_if_cancelled()
            key, self._next = self._next, self._next + 1
            self._callbacks[key] = callback
        try:
            yield
        finally:
            with self._lock:
                del self._callbacks[key]


def _call(callback: Callable[[], object]) -> None:
    try:
        callback()
    except Exception:  # a failed cancel must not hide the cancel of the other parts
        log.warning("a cancel callback failed", exc_info=True)


_NEVER = Cancellation()
_current: ContextVar[Cancellation] = ContextVar("cancellation", default=_NEVER)


def current() -> Cancellation:
    """The running question's token (one nobody cancels outside a question)."""
    return _current.get()


@contextmanager
def cancellable(token: Cancellation) -> Iterator[None]:
    """Make ``token`` the current one for the code run inside the block."""
    reset = _current.set(token)
    try:
        yield
    finally:
        _current.reset(reset)


@contextmanager
def stopped_means_cancelled() -> Iterator[None]:
    """Whatever a cancelled call raises (a driver's "canceling statement", a closed socket)
    reads as ``Cancelled``, never as a timeout or an outage to retry."""
    try:
        yield
    except Cancelled:
        raise
    except Exception:
        if current().cancelled:
            raise Cancelled("The question was stopped.") from None
        raise
