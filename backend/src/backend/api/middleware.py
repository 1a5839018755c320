"""Pure ASGI middleware: request ids and access logs, security headers, request body limits.

Pure ASGI (not ``BaseHTTPMiddleware``) so streamed responses pass through untouched and
shutdown does not wait on background tasks the middleware would otherwise spawn.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = structlog.get_logger("backend.access")

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def identify(request: Request, user_id: str | None) -> None:
    """Record who is asking, for the access log and every log line of the rest of the request.

    Called by whoever resolves the principal; ``request.state`` is shared with the middleware
    (a contextvar set inside a thread-pool dependency would not travel back out).
    """
    request.state.user_id = user_id
    structlog.contextvars.bind_contextvars(user_id=user_id)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _route_path(scope: Scope) -> str:
    """The path with matched parameters as ``{name}``, so ids never land in the access log."""
    names = {str(value): name for name, value in (scope.get("path_params") or {}).items()}
    segments = str(scope.get("path", "")).split("/")
    return "/".join(f"{{{names[part]}}}" if part in names else part for part in segments)


class RequestContextMiddleware:
    """Give each request an id (the caller's if sane), echo it, and write one access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = _header(scope, b"x-request-id")
        request_id = offered if offered and _SANE_REQUEST_ID.fullmatch(offered) else None
        request_id = request_id or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            client = scope.get("client")
            access_log.info(
                "request",
                method=scope.get("method"),
                route=_route_path(scope),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                user_id=state.get("user_id"),
                client=client[0] if client else None,
            )
            structlog.contextvars.clear_contextvars()


# A JSON API never renders HTML; the docs page is the one exception and needs its CDN assets.
_API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    """Headers that tell browsers not to sniff, frame, refer or cache API answers."""

    def __init__(self, app: ASGIApp, *, hsts: bool, docs_path: str | None = None) -> None:
        self.app = app
        self.docs_path = docs_path
        headers = {
            b"x-content-type-options": b"nosniff",
            b"x-frame-options": b"DENY",
            b"referrer-policy": b"no-referrer",
            b"cross-origin-opener-policy": b"same-origin",
            b"cache-control": b"no-store",
        }
        if hsts:
            headers[b"strict-transport-security"] = _HSTS.encode()
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = dict(self.headers)
        if scope.get("path") != self.docs_path:
            extra[b"content-security-policy"] = _API_CSP.encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers.extend((k, v) for k, v in extra.items() if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuse request bodies over the limit with 413, and bodies sent too slowly with 408.

    A declared ``Content-Length`` over the limit is refused before the app runs. Otherwise the
    bytes are counted as the app reads them; on overflow the 413 is sent at once and the app
    sees a disconnect, so whatever it answers afterwards is dropped. The whole body must arrive
    within ``deadline_seconds`` of the headers, so a client trickling it cannot hold a request
    open; once the body is in, later reads (a streamed response listening for the client's
    disconnect) wait as long as they need.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        deadline_seconds: float,
        overrides: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.deadline_seconds = deadline_seconds
        self.overrides = dict(overrides or {})

    def _limit(self, path: str) -> int:
        return self.overrides.get(path, self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(str(scope.get("path", "")))
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, "payload_too_large", _too_large_detail(limit))
            return
        deadline = asyncio.get_running_loop().time() + self.deadline_seconds
        received = 0
        body_complete = False
        refused = False
        response_started = False

        async def refuse(status: int, error: str, detail: str) -> Message:
            nonlocal refused
            refused = True
            if not response_started:
                await _refuse(send, status, error, detail)
            return {"type": "http.disconnect"}

        async def counting_receive() -> Message:
            nonlocal received, body_complete
            if refused:
                return {"type": "http.disconnect"}
            if body_complete:
                return await receive()
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                async with asyncio.timeout(max(remaining, 0)):
                    message = await receive()
            except TimeoutError:
                return await refuse(
                    408,
                    "request_timeout",
                    f"The request body did not arrive within {self.deadline_seconds:g} seconds.",
                )
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_complete = not message.get("more_body", False)
                if received > limit:
                    return await refuse(413, "payload_too_large", _too_large_detail(limit))
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)


def _too_large_detail(limit: int) -> str:
    return f"The request body is larger than the {limit:,} bytes this endpoint accepts."


async def _refuse(send: Send, status: int, error: str, detail: str) -> None:
    """Answer with the API's error body and close the connection (the rest of the body is
    not wanted)."""
    body = json.dumps({"error": error, "detail": detail}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
