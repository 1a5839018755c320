"""Slow clients cannot hold the backend's connections: real uvicorn, raw sockets on loopback.

Contract: a connection whose request headers are not complete within
HTTP_HEADER_TIMEOUT_SECONDS is closed by the server, on a fresh connection and on a kept-alive
one after its first answer; a request body not complete within HTTP_BODY_TIMEOUT_SECONDS is
answered 408 with the API's error body. Meanwhile the API answers everyone else.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from urllib.parse import urlsplit

import httpx

from tests.hardening.conftest import BackendStarter

TRICKLERS = 40


def _connect(base_url: str) -> socket.socket:
    address = urlsplit(base_url)
    sock = socket.create_connection((address.hostname, address.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has closed the connection (EOF or reset), without waiting; bytes
    still unread (the end of an earlier answer) are skipped."""
    sock.setblocking(False)
    try:
        while sock.recv(65536):
            pass
        return True
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    finally:
        sock.setblocking(True)


def _trickle(socks: list[socket.socket], seconds: float) -> None:
    """Send one header byte on every open socket every 0.2 s, for ``seconds``."""
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        for sock in socks:
            with contextlib.suppress(OSError):  # closed by the server: what the test waits for
                sock.send(b"x")
        time.sleep(0.2)


def test_trickled_headers_are_cut_off_and_others_are_served(
    pg_url: str, start_backend: BackendStarter
) -> None:
    with start_backend(pg_url, HTTP_HEADER_TIMEOUT_SECONDS="2") as backend:
        fresh = [_connect(backend.base_url) for _ in range(TRICKLERS)]
        for sock in fresh:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: api\r\nX-Slow: ")
        kept_alive = _connect(backend.base_url)
        kept_alive.sendall(b"GET /api/health HTTP/1.1\r\nHost: api\r\n\r\n")
        first_answer = kept_alive.recv(65536)
        kept_alive.sendall(b"GET /api/health HTTP/1.1\r\nHost: api\r\nX-Slow: ")
        started = time.monotonic()
        _trickle([*fresh, kept_alive], seconds=1.0)
        with httpx.Client(base_url=backend.base_url, timeout=5) as client:
            during = client.get("/api/health")
        _trickle([*fresh, kept_alive], seconds=3.0)
        closed = [_closed_by_server(sock) for sock in [*fresh, kept_alive]]
        elapsed = time.monotonic() - started
        for sock in [*fresh, kept_alive]:
            sock.close()

    assert first_answer.startswith(b"HTTP/1.1 200")
    assert during.status_code == 200
    assert all(closed), f"open after {elapsed:.1f} s: {[i for i, c in enumerate(closed) if not c]}"


def test_trickled_body_is_answered_408(pg_url: str, start_backend: BackendStarter) -> None:
    with start_backend(pg_url, HTTP_BODY_TIMEOUT_SECONDS="2") as backend:
        sock = _connect(backend.base_url)
        sock.sendall(
            b"POST /api/auth/login HTTP/1.1\r\nHost: api\r\n"
            b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"
        )
        started = time.monotonic()
        answer = b""
        sock.settimeout(0.2)
        while time.monotonic() - started < 6 and b"\r\n\r\n" not in answer:
            try:
                sock.send(b" ")
                answer += sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
        waited = time.monotonic() - started
        sock.settimeout(2)
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
        sock.close()

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), head[:80]
    assert waited < 5
    error = json.loads(body)
    assert error["error"] == "request_timeout"
    assert "2 seconds" in error["detail"]
