"""A deadline for a request's headers, which uvicorn does not have.

Uvicorn closes idle keep-alive connections after ``timeout_keep_alive``, but any byte received
cancels that timer, and a new connection has no timer at all: a client that trickles its
headers a byte at a time holds a connection (and its memory) for as long as it likes. Enough of
them exhaust the process's file descriptors. This protocol closes a connection whose next
request has not finished its headers within the deadline; request bodies have their own
deadline in :class:`backend.api.middleware.BodyLimitMiddleware`.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol, closing connections whose headers arrive too slowly.

    A request has begun once uvicorn has built its request/response cycle (headers parsed), so
    the timer, armed when the connection opens and again after each response, checks whether the
    cycle it saw when armed is still the current one.
    """

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._armed_for: object = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._armed_for = self.cycle
        self._header_timer = self.loop.call_later(self._header_timeout, self._headers_overdue)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_overdue(self) -> None:
        self._header_timer = None
        if self.cycle is self._armed_for and not self.transport.is_closing():
            self.transport.close()


def protocol_with_header_deadline(seconds: float) -> type[asyncio.Protocol]:
    """The ``http`` protocol class to give ``uvicorn.run``, with the header deadline bound."""
    # Uvicorn calls the class with its own keyword arguments; the partial adds ours.
    return partial(HeaderDeadlineProtocol, header_timeout=seconds)  # type: ignore[return-value]
