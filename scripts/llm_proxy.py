"""A recording pass-through in front of a model server, for ``scripts/llm_real.py``.

It forwards every request unchanged and streams every answer back chunk by chunk, so a client
that hangs up is seen upstream at the next chunk, as it would be without the proxy. For each
chat completion it records the status, the time, the structured-output mode, the number of
messages and whether the client hung up: enough to tell a useful retry from a wasted one.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive", "host"}


@dataclass
class Call:
    path: str
    mode: str
    messages: int
    max_tokens: int | None
    status: int = 0
    seconds: float = 0.0
    hung_up: bool = False
    broken: bool = False


def _mode(body: dict[str, Any]) -> str:
    fmt = body.get("response_format") or {}
    kind = str(fmt.get("type", "none"))
    return kind + "_schema" if kind == "json_object" and "schema" in fmt else kind


class RecordingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.calls: list[Call] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy._forward(self, b"")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy._forward(self, body)

            def log_message(self, *_: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._client = httpx.Client(timeout=httpx.Timeout(None, connect=5.0))

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        call = None
        if handler.path.endswith("/chat/completions") and body:
            request = json.loads(body)
            call = Call(
                handler.path, _mode(request), len(request["messages"]), request.get("max_tokens")
            )
            self.calls.append(call)
        started = time.monotonic()
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            with self._client.stream(
                handler.command, self.upstream + handler.path, content=body, headers=headers
            ) as answer:
                if call is not None:
                    call.status = answer.status_code
                handler.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in _HOP_BY_HOP:
                        handler.send_header(name, value)
                handler.end_headers()
                for chunk in answer.iter_raw():
                    handler.wfile.write(chunk)
                    handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            if call is not None:
                call.hung_up = True  # leaving the stream closes it upstream as well
        except httpx.HTTPError:
            if call is not None:
                call.broken = True  # the server broke off; the client sees the same cut
        finally:
            if call is not None:
                call.seconds = time.monotonic() - started

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()
