"""The backend client against a real HTTP server on loopback: idempotent calls are retried
after a dropped connection, a question (POST) is not sent twice, and error bodies in the
contract's shape become typed errors. Also: BACKEND_URL accepts Railway's private address.
"""

from __future__ import annotations

import json
import threading
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from frontend.api_client import BackendClient, BackendError, Identity
from frontend.config import FrontendSettings

HISTORY = {"items": [], "page": 1, "page_size": 20, "total": 0}


class FlakyServer:
    """Drops the first ``drops`` connections without answering, then replies ``reply``."""

    def __init__(self, drops: int, status: int, reply: dict[str, Any]) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one_request(self) -> None:
                self.raw_requestline = self.rfile.readline(65537)
                if not self.raw_requestline or not self.parse_request():
                    return
                server.requests.append((self.command, self.path, dict(self.headers)))
                if len(server.requests) <= drops:
                    self.close_connection = True
                    return  # no answer at all: the client sees the connection drop
                body = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FlakyServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def signed_in() -> Identity:
    return Identity(access_token="token-for-a-local-server")


def client_for(server: FlakyServer) -> closing[BackendClient]:
    return closing(BackendClient(server.url, timeout=5, retries=2, backoff_seconds=0.01))


def test_an_idempotent_call_is_retried_after_a_dropped_connection(signed_in: Identity) -> None:
    with FlakyServer(drops=2, status=200, reply=HISTORY) as server, client_for(server) as client:
        page = client.history(signed_in, page=1)
    assert page.total == 0
    assert [request[:2] for request in server.requests] == [
        ("GET", "/api/history?page=1&page_size=20")
    ] * 3
    assert server.requests[0][2]["Authorization"] == "Bearer token-for-a-local-server"


def test_a_question_is_not_sent_twice(signed_in: Identity) -> None:
    with (
        pytest.raises(BackendError) as raised,
        FlakyServer(drops=1, status=200, reply={}) as server,
        client_for(server) as client,
    ):
        client.query(signed_in, question="How many loans?")
    assert raised.value.code == "backend_down"
    assert len(server.requests) == 1


def test_contract_errors_become_typed_errors() -> None:
    reply = {"error": "table_disabled", "detail": "Enable it first.", "tables": ["fees"]}
    with (
        pytest.raises(BackendError) as raised,
        FlakyServer(drops=0, status=409, reply=reply) as server,
        client_for(server) as client,
    ):
        client.query(Identity(anon_id="anon_12345678"), sql="SELECT * FROM fees")
    assert (raised.value.code, raised.value.status) == ("table_disabled", 409)
    assert raised.value.extra == {"tables": ["fees"]}
    assert server.requests[0][2]["X-Anonymous-ID"] == "anon_12345678"


def test_a_body_outside_the_contract_is_a_server_error() -> None:
    with (
        pytest.raises(BackendError) as raised,
        FlakyServer(drops=0, status=502, reply={"message": "bad gateway"}) as server,
        client_for(server) as client,
    ):
        client.examples()
    assert raised.value.code == "server_error"


def test_backend_url_accepts_railway_private_networking() -> None:
    settings = FrontendSettings(backend_url="http://backend.railway.internal:8080")
    assert str(settings.backend_url) == "http://backend.railway.internal:8080/"
