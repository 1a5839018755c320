"""The backend's limits and plans, read at most once a minute (they change only on a deploy),
so every page shows what the server enforces."""

from __future__ import annotations

import threading
import time

from contract.plans import Plans

from frontend.api_client import BackendClient
from frontend.errors import BackendError

TTL_SECONDS = 60.0


class PlansCache:
    """Shared by every visitor (the plans are the same for all); None while unreachable."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._plans: Plans | None = None
        self._read_at = 0.0

    def get(self) -> Plans | None:
        with self._lock:
            if self._plans is not None and time.monotonic() - self._read_at < TTL_SECONDS:
                return self._plans
        try:
            plans = self._client.plans()
        except BackendError:
            return self._plans
        with self._lock:
            self._plans, self._read_at = plans, time.monotonic()
        return plans
