"""The questions this server is streaming now, so their asker can stop them by id.

Kept in this process only: a stop reaches the replica that runs the question when it comes
over the question's own stream (closing it), and ``POST /api/query/{id}/cancel`` finds it when
it lands on the same replica (one backend replica, or a balancer that keeps a client on one).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from backend.ask.progress import Progress
from backend.core.errors import NotFound
from backend.core.principal import Principal


def _owner(principal: Principal) -> str:
    if principal.user_id is not None:
        return f"user:{principal.user_id}"
    return f"anon:{principal.anon_id or ''}@{principal.client_ip}"


class RunningQuestions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, tuple[str, Progress]] = {}

    @contextmanager
    def track(self, principal: Principal, progress: Progress) -> Iterator[None]:
        """Findable by its id while the block runs."""
        with self._lock:
            self._running[progress.question_id] = (_owner(principal), progress)
        try:
            yield
        finally:
            with self._lock:
                self._running.pop(progress.question_id, None)

    def cancel(self, principal: Principal, question_id: str) -> None:
        """Stop the caller's own running question; anyone else's is as unknown as none."""
        with self._lock:
            owner, progress = self._running.get(question_id, ("", None))
        if progress is None or owner != _owner(principal):
            raise NotFound("No such question running (it may have finished already).")
        progress.cancellation.cancel()
