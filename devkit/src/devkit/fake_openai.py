"""A local stand-in for the OpenAI HTTP API, driven through the official client.

It speaks the wire format of ``POST /v1/chat/completions`` (plain and streamed as server-sent
events) and ``POST /v1/audio/transcriptions``. Each test scripts a queue of replies (a
completion, an HTTP error, a slow answer) and reads back the requests it received. With nothing
queued it answers 500 with a message saying so, which makes a missing script obvious. The
backend's readiness probe (``llm_probe``) is answered on its own and kept apart in ``probes``.

Modes copy what real OpenAI-compatible servers do (their messages are quoted from them):
every chat request is checked for alternating roles, as Gemma/Mistral chat templates in
llama.cpp do; ``reject_json_schema`` answers 500 as llama-cpp-python's server does;
``context_tokens`` refuses a prompt that does not fit, as llama.cpp does; a ``runaway`` reply
generates until ``max_tokens`` and finishes with ``"length"``; ``token_delay`` generates slowly,
and ``serial`` serves one generation at a time and, like llama-cpp-python for a plain request,
keeps generating after the client hung up (a streamed reply stops when a write fails).
"""

from __future__ import annotations

import io
import json
import threading
import time
import wave
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from backend.engines.openai.llm_probe import INSTRUCTION as PROBE_INSTRUCTION


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    token_delay: float = 0.0  # seconds per generated token
    runaway: bool = False  # never closes its JSON string: generates until max_tokens
    # Reading the prompt before the first token; a stream sends keep-alive comments meanwhile,
    # as llama-cpp-python's server (sse-starlette) does.
    prompt_seconds: float = 0.0


@dataclass
class Generation:
    """What one chat completion generated, and whether the client's hang-up stopped it."""

    tokens: int = 0
    planned: int = 0
    seconds: float = 0.0
    stopped_by_hangup: bool = False


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


def completion(content: str, *, prompt_tokens: int = 120, completion_tokens: int = 30) -> Reply:
    """A chat completion whose message content is ``content`` (JSON text or anything else)."""
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    return Reply(body=_completion_body(content, "stop", usage))


def sql_answer(sql: str, *, chart: dict[str, Any] | None = None, explanation: str = "") -> Reply:
    chart = chart or {"type": "none", "x": None, "y": None, "color": None, "title": ""}
    return completion(
        json.dumps({"sql": sql, "chart": chart, "explanation": explanation or "Computes it."})
    )


def insights_answer(insights: list[str], recommendations: list[str]) -> Reply:
    return completion(json.dumps({"insights": insights, "recommendations": recommendations}))


def error(status: int, message: str = "scripted error", **headers: str) -> Reply:
    return Reply(
        status=status,
        body={"error": {"message": message, "type": "server_error", "code": None}},
        headers=headers,
    )


def runaway(token_delay: float = 0.0) -> Reply:
    """A model stuck inside a JSON string: it writes until the request's ``max_tokens``."""
    return Reply(runaway=True, token_delay=token_delay)


def slow(reply: Reply, token_delay: float = 0.0, prompt_seconds: float = 0.0) -> Reply:
    """``reply`` after ``prompt_seconds``, then token by token, ``token_delay`` seconds each."""
    return replace(reply, token_delay=token_delay, prompt_seconds=prompt_seconds)


ROLES_MUST_ALTERNATE = (
    "Conversation roles must alternate user/assistant/user/assistant/... "
    "(chat template of the model)"
)
JSON_SCHEMA_REFUSED = (
    "1 validation error for CreateChatCompletionRequest response_format.type: "
    "Input should be 'text' or 'json_object'"
)


def roles_problem(messages: list[dict[str, Any]], *, system_role: bool) -> str | None:
    """What a strict chat template says about ``messages`` (None: it renders them)."""
    roles = [m.get("role") for m in messages]
    if roles and roles[0] == "system":
        if not system_role:
            return "System role not supported"
        roles = roles[1:]
    expected = ["user", "assistant"] * len(roles)
    if roles != expected[: len(roles)] or not roles or roles[-1] != "user":
        return ROLES_MUST_ALTERNATE
    return None


def transcription(text: str) -> Reply:
    return Reply(body={"text": text})


def silent_wav(seconds: float, rate: int = 8000) -> bytes:
    """A mono 8-bit WAV recording of silence, for transcription uploads."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(rate)
        audio.writeframes(b"\x80" * int(seconds * rate))
    return buffer.getvalue()


class FakeOpenAI:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.received: list[Received] = []
        self.generations: list[Generation] = []
        self.probes: list[Received] = []  # the backend's readiness probes (llm_probe)
        self.reject_json_schema = False
        self.system_role = True
        self.context_tokens: int | None = None
        self.serial = False
        self._lock = threading.Lock()
        self._generating = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                received = Received(
                    "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                reply: Reply | None
                with fake._lock:
                    refusal = fake._refusal(received)
                    if fake._is_probe(received):  # answered on its own: scripts stay intact
                        fake.probes.append(received)
                        reply = refusal or completion('{"ok": true}')
                    else:
                        fake.received.append(received)
                        reply = refusal or (fake.replies.popleft() if fake.replies else None)
                if reply is None:
                    reply = error(500, "the fake has no scripted reply left")
                if reply.delay:
                    time.sleep(reply.delay)
                request = received.json() if self.path.endswith("/chat/completions") else {}
                try:
                    if reply.status == 200 and request:
                        fake._generate(self, reply, request)
                    else:
                        _send(self, reply.status, json.dumps(reply.body).encode(), reply.headers)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *_: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @staticmethod
    def _is_probe(received: Received) -> bool:
        if not received.path.endswith("/chat/completions"):
            return False
        messages = received.json().get("messages") or [{}]
        return bool(messages[0].get("content") == PROBE_INSTRUCTION)

    def _refusal(self, received: Received) -> Reply | None:
        """The mode's own answer to a chat request it refuses, before any scripted reply."""
        if not received.path.endswith("/chat/completions"):
            return None
        request = received.json()
        messages = request.get("messages", [])
        problem = roles_problem(messages, system_role=self.system_role)
        if problem is not None:
            return error(400, problem)
        fmt = request.get("response_format") or {}
        if self.reject_json_schema and fmt.get("type") == "json_schema":
            return error(500, JSON_SCHEMA_REFUSED)
        prompt = sum(len(str(m.get("content", ""))) for m in messages) // 4
        if self.context_tokens is not None and prompt > self.context_tokens:
            return error(
                400,
                f"request ({prompt} tokens) exceeds the available context size "
                f"({self.context_tokens} tokens), try increasing it",
            )
        return None

    def _generate(
        self, handler: BaseHTTPRequestHandler, reply: Reply, request: dict[str, Any]
    ) -> None:
        """Answer a chat completion, plain or streamed, token by token as a server would."""
        limit = int(request.get("max_tokens") or 1_000_000)
        if reply.runaway:
            tokens, finish = ['{"sql": "SELECT'] + [" x"] * (limit - 1), "length"
        else:
            message = reply.body["choices"][0]["message"]["content"] or ""
            tokens = [message[i : i + 4] for i in range(0, len(message), 4)]
            finish = reply.body["choices"][0].get("finish_reason", "stop")
            if len(tokens) > limit:
                tokens, finish = tokens[:limit], "length"
        usage = reply.body.get("usage") or {"prompt_tokens": 100, "completion_tokens": len(tokens)}
        usage = {**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}
        generation = Generation(planned=len(tokens))
        with self._lock:
            self.generations.append(generation)
        started = time.monotonic()
        gate = self._generating if self.serial else threading.Lock()
        with gate:
            try:
                if request.get("stream"):
                    self._stream(handler, tokens, finish, usage, reply, generation)
                else:
                    time.sleep(reply.prompt_seconds)
                    for _ in tokens:  # a plain request: generated in full, hung up or not
                        time.sleep(reply.token_delay)
                        generation.tokens += 1
                    body = _completion_body("".join(tokens), finish, usage)
                    _send(handler, 200, json.dumps(body).encode(), {})
            finally:
                generation.seconds = time.monotonic() - started

    def _stream(
        self,
        handler: BaseHTTPRequestHandler,
        tokens: list[str],
        finish: str,
        usage: dict[str, int],
        reply: Reply,
        generation: Generation,
    ) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()

        def event(data: dict[str, Any] | str) -> None:
            text = data if isinstance(data, str) else json.dumps(data)
            handler.wfile.write(f"data: {text}\n\n".encode())
            handler.wfile.flush()

        try:
            reading_until = time.monotonic() + reply.prompt_seconds
            while time.monotonic() < reading_until:
                time.sleep(min(0.2, reply.prompt_seconds))
                handler.wfile.write(b": ping\n\n")
                handler.wfile.flush()
            for token in tokens:
                time.sleep(reply.token_delay)
                event(_chunk({"role": "assistant", "content": token}, None))
                generation.tokens += 1
            event(_chunk({}, finish))
            event({**_chunk({}, None), "choices": [], "usage": usage})
            event("[DONE]")
        except (BrokenPipeError, ConnectionResetError):
            generation.stopped_by_hangup = True

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.received if r.path.endswith("/chat/completions")]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _send(
    handler: BaseHTTPRequestHandler, status: int, payload: bytes, headers: dict[str, str]
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(payload)


def _chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _completion_body(content: str, finish: str, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": usage,
    }


@contextmanager
def running_fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
