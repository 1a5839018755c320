"""A client-side deadline for blocking work on one database connection.

``statement_timeout`` is the database's own promise. A server that accepted the login and then
stopped answering (or a hostile one) ignores it, and TCP keepalives do not help while its TCP
stack still acknowledges. So the client keeps its own clock: when the deadline passes, the
connection's socket is shut down, the blocked call returns at once with a driver error, and the
caller, seeing ``expired`` (or ``expired_here()`` where the deadline was armed by a pool
event), reports a timeout instead of a lost connection.
"""

from __future__ import annotations

import os
import socket
import threading
from contextlib import suppress
from types import TracebackType

_expired_threads: set[int] = set()
_expired_lock = threading.Lock()


def expired_here() -> bool:
    """True (once) if a deadline armed by this thread has cut its connection since."""
    with _expired_lock:
        ident = threading.get_ident()
        hit = ident in _expired_threads
        _expired_threads.discard(ident)
        return hit


class Deadline:
    """Arm with ``with Deadline(fileno, seconds):``; ``expired`` tells whether it fired."""

    def __init__(self, fileno: int, seconds: float) -> None:
        self._fileno = fileno
        self._identity = _socket_identity(fileno)
        self._owner = threading.get_ident()
        self._lock = threading.Lock()
        self._done = False
        self.expired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._cut)
        self._timer.daemon = True

    def start(self) -> Deadline:
        with _expired_lock:
            _expired_threads.discard(self._owner)
        self._timer.start()
        return self

    def stop(self) -> None:
        """Disarm; after this the socket (perhaps back in a pool) is never touched."""
        with self._lock:
            self._done = True
        self._timer.cancel()

    def _cut(self) -> None:
        with self._lock:
            # The descriptor may since have been closed and reused for another socket.
            if self._done or _socket_identity(self._fileno) != self._identity:
                return
            self.expired = True
            with _expired_lock:
                _expired_threads.add(self._owner)
            with suppress(OSError):
                # A duplicate descriptor: shutting it down ends the connection for every user
                # of the socket, and closing it leaves the driver's own descriptor valid.
                cut = socket.socket(fileno=os.dup(self._fileno))
                try:
                    cut.shutdown(socket.SHUT_RDWR)
                finally:
                    cut.close()

    def __enter__(self) -> Deadline:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _socket_identity(fileno: int) -> tuple[int, int] | None:
    try:
        status = os.fstat(fileno)
    except OSError:
        return None
    return status.st_dev, status.st_ino
