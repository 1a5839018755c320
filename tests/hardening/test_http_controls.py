"""Request ids, access logs, security headers, CORS and body limits on a real backend process.

Contract: every response carries ``X-Request-ID`` (the caller's when sane) and the browser
security headers; each request writes one JSON access line with that id, route, status and
duration; CORS answers only origins in CORS_ORIGINS; bodies over MAX_BODY_BYTES get 413 JSON.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from devkit.processes import RunningProcess

from tests.hardening.conftest import BackendStarter, json_lines

ALLOWED = "https://app.example.com"


@pytest.fixture
def backend_with_origin(pg_url: str, start_backend: BackendStarter) -> Iterator[RunningProcess]:
    with start_backend(pg_url, CORS_ORIGINS=ALLOWED, MAX_BODY_BYTES="2048") as running:
        yield running


def _access_lines(backend: RunningProcess) -> list[dict[str, object]]:
    return [e for e in json_lines(backend.log()) if e.get("logger") == "backend.access"]


def test_request_ids_access_log_and_security_headers(
    pg_url: str, start_backend: BackendStarter
) -> None:
    with start_backend(pg_url) as backend, httpx.Client(base_url=backend.base_url) as client:
        mine = client.get("/api/health", headers={"X-Request-ID": "req-0123456789"})
        insane = client.get("/api/health", headers={"X-Request-ID": "bad id\twith spaces"})
        missing = client.get("/api/nothing-here")
        account = client.post(
            "/api/auth/register",
            json={"email": "log-check@example.com", "password": "long enough pw 1"},
        ).json()
        token = account["access_token"]
        me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    # Read the log once the process has stopped: a request's access line is written after its
    # response went out, so reading earlier can race the last line.
    log_text = backend.log()
    lines = _access_lines(backend)

    assert mine.status_code == 200
    assert mine.headers["X-Request-ID"] == "req-0123456789"
    assert insane.headers["X-Request-ID"] not in {"", "bad id\twith spaces"}
    assert len(insane.headers["X-Request-ID"]) == 32
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    for response in (mine, missing):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")

    by_id = {line["request_id"]: line for line in lines}
    line = by_id["req-0123456789"]
    assert line["route"] == "/api/health"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)
    assert "user_id" in line
    assert by_id[missing.headers["X-Request-ID"]]["status"] == 404
    signed_in = by_id[me.headers["X-Request-ID"]]
    assert signed_in["user_id"] == account["user"]["id"]
    assert signed_in["route"] == "/api/auth/me"
    # The token never reaches the log, not even in the signed-in request's line.
    assert token not in log_text
    # Uvicorn's own lines are JSON too (json_lines fails otherwise) and its access log is off.
    assert "Application startup complete." in log_text
    assert not any(e.get("logger") == "uvicorn.access" for e in json_lines(log_text))


def test_cors_answers_only_configured_origins(backend_with_origin: RunningProcess) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    with httpx.Client(base_url=backend_with_origin.base_url) as client:
        allowed = client.options("/api/health", headers={"Origin": ALLOWED, **preflight})
        denied = client.options(
            "/api/health", headers={"Origin": "https://evil.example", **preflight}
        )
        simple_denied = client.get("/api/health", headers={"Origin": "https://evil.example"})
        simple_allowed = client.get("/api/health", headers={"Origin": ALLOWED})

    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "access-control-allow-origin" not in denied.headers
    assert denied.status_code == 400
    assert "access-control-allow-origin" not in simple_denied.headers
    assert simple_allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "X-Request-ID" in simple_allowed.headers["Access-Control-Expose-Headers"]


def test_oversized_bodies_are_refused_with_413(backend_with_origin: RunningProcess) -> None:
    limit = 2048
    with httpx.Client(base_url=backend_with_origin.base_url) as client:
        declared = client.post("/api/auth/register", content=b"x" * (limit + 1))
    assert declared.status_code == 413
    assert declared.json()["error"] == "payload_too_large"
    assert "2,048 bytes" in declared.json()["detail"]

    # Chunked, no Content-Length: the limit is enforced while the app reads the body.
    status_line = _chunked_post(backend_with_origin.base_url, "/api/auth/register", limit * 4)
    assert status_line.startswith("HTTP/1.1 413")


def _chunked_post(base_url: str, path: str, size: int) -> str:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = b'{"email": "' + b"a" * 1000
        sent = 0
        try:
            while sent < size:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close the connection once it has answered
        return sock.recv(4096).decode("latin-1").splitlines()[0]
