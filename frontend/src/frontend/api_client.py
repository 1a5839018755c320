"""The only code that knows the backend's URLs: typed calls, timeouts, retries, typed errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


class BackendError(Exception):
    """The backend answered with an error, or could not be reached (``code == "backend_down"``)."""

    def __init__(self, code: str, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class BackendStatus:
    reachable: bool
    healthy: bool
    version: str | None
    database: str | None


class BackendClient:
    def __init__(self, base_url: str, *, timeout: float = 60.0, retries: int = 2) -> None:
        transport = httpx.HTTPTransport(retries=retries)
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise BackendError(
                "backend_down", "The analytics service is not reachable right now."
            ) from error

    def status(self) -> BackendStatus:
        """Health of the backend; never raises, so the page can always show something."""
        try:
            response = self._request("GET", "/api/health", timeout=5.0)
        except BackendError:
            return BackendStatus(False, False, None, None)
        try:
            body = response.json()
        except ValueError:
            return BackendStatus(True, False, None, None)
        return BackendStatus(
            True, response.status_code == 200, body.get("version"), body.get("database")
        )
