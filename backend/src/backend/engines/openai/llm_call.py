"""One bounded chat completion: output capped, time capped, retried only where it can help.

- **Bounded output**: ``max_tokens`` on every call; a reply that stops at it (``finish_reason
  "length"``) is an error naming the setting, never fed to a JSON retry with the same limit.
- **One budget per question** (``Budget``): every call of a question draws on the same
  wall-clock allowance; a call ends at the earlier of ``OPENAI_TIMEOUT_SECONDS`` and the
  budget. The reply is streamed internally so the deadline is checked between tokens, and
  closing the stream stops servers (llama-cpp-python's) that keep generating for a client
  that gave up on a plain request, which would queue the next request behind it.
- **Stoppable**: a stopped question (``core.cancellation``) shuts the stream's socket at once,
  and ``on_text`` hears the reply as it grows (the pipeline streams insights from it).
- **Retries** only for 429/502/503/504 and refused connections, with the server's
  ``Retry-After`` or a short backoff, and only while the budget allows; a timeout is final.
  The official client's own retries are off (they would also retry timeouts and 500s).
- **Structured output** walks ``structured_output``'s ladder on a refusal naming the format.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, cast

from backend.core import cancellation
from backend.core.config import Settings
from backend.engines.base import LlmFailed, Usage
from backend.engines.openai import llm_errors, structured_output
from backend.engines.openai.chat_messages import Message

if TYPE_CHECKING:
    from openai import OpenAI
    from openai.types.chat import ChatCompletionMessageParam

log = logging.getLogger(__name__)

RETRYABLE = frozenset({429, 502, 503, 504})
MAX_REPLY_CHARS = 200_000
CONNECT_SECONDS = 5.0
T = TypeVar("T")
TextSink = Callable[[str], None]  # hears the reply so far, after each chunk


@dataclass
class Budget:
    """Wall-clock seconds that all model calls of one question share."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def spent(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return self.seconds - self.spent()


@dataclass(frozen=True)
class Completion:
    content: str
    usage: Usage
    mode: structured_output.Mode


@dataclass(frozen=True)
class CallSpec:
    """What one kind of call asks for: its schema and its output bound (and that setting)."""

    name: str
    schema: dict[str, Any]
    max_tokens: int
    max_tokens_setting: str


class Refused(Exception):
    """A final HTTP refusal (not worth a retry); the caller decides what to tell."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def complete(
    client: OpenAI,
    settings: Settings,
    budget: Budget,
    messages: Sequence[Message],
    spec: CallSpec,
    on_text: TextSink | None = None,
) -> Completion:
    """One answer for ``messages`` in the first structured-output mode the server accepts."""
    modes = structured_output.modes_to_try(settings)
    for index, mode in enumerate(modes):
        try:
            once = partial(_stream, client, settings, budget, messages, spec, mode, on_text)
            result = with_retries(settings, budget, once)
        except LlmFailed:
            structured_output.remember(settings, mode)  # not refused: the mode is not the cause
            raise
        except Refused as refusal:
            words = llm_errors.server_words(refusal.body, settings)
            log.warning("model server refused (HTTP %s, %s mode): %s", refusal.status, mode, words)
            more = index + 1 < len(modes)
            if more and structured_output.names_the_format(refusal.status, refusal.body):
                continue
            raise llm_errors.refused(
                refusal.status, refusal.body, settings, format_mode=mode
            ) from None
        structured_output.remember(settings, mode)
        return result
    raise AssertionError("unreachable: the last mode either answers or raises")


def with_retries(settings: Settings, budget: Budget, once: Callable[[], T]) -> T:
    import openai

    tries = 0
    while True:
        tries += 1
        started = time.monotonic()
        try:
            return once()
        except openai.APITimeoutError:
            raise llm_errors.too_slow(
                time.monotonic() - started, budget.spent(), settings
            ) from None
        except openai.APIStatusError as error:
            if error.status_code not in RETRYABLE:
                raise Refused(error.status_code, _body(error)) from None
            status: int | None = error.status_code
            wait = _retry_after(error.response.headers, tries)
        except openai.APIConnectionError:
            status, wait = None, _retry_after({}, tries)
        log.warning("model server: %s, try %d", status or "connection failed", tries)
        if tries > settings.openai_max_retries or wait + 1.0 > budget.remaining():
            raise llm_errors.unavailable(status, tries, budget.spent())
        time.sleep(wait)
        cancellation.current().raise_if_cancelled()


def _stream(
    client: OpenAI,
    settings: Settings,
    budget: Budget,
    messages: Sequence[Message],
    spec: CallSpec,
    mode: structured_output.Mode,
    on_text: TextSink | None,
) -> Completion:
    import openai

    now = time.monotonic()
    deadline = now + min(settings.openai_timeout_seconds, budget.remaining())
    if deadline - now < 0.05:
        raise llm_errors.too_slow(0.0, budget.spent(), settings)
    body: dict[str, Any] = {"stream_options": {"include_usage": True}}
    fmt = structured_output.response_format(mode, spec.name, spec.schema)
    if fmt is not None:
        body["response_format"] = fmt
    seconds = deadline - now
    stream = client.chat.completions.create(
        model=settings.openai_model,
        messages=cast("list[ChatCompletionMessageParam]", list(messages)),
        temperature=0,
        max_tokens=spec.max_tokens,
        stream=True,
        extra_body=body,
        timeout=openai.Timeout(seconds, connect=min(CONNECT_SECONDS, seconds)),
    )
    parts: list[str] = []
    size, finish, usage = 0, None, Usage(llm_calls=1)
    # Keep-alive pings (llama-cpp-python sends one every 15 s while it reads the prompt) reset
    # the read timeout without yielding a chunk: only a watchdog holds the deadline then.
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _hang_up, (stream.response,))
    watchdog.daemon = True
    watchdog.start()
    try:
        with (
            cancellation.stopped_means_cancelled(),
            cancellation.current().on_cancel(partial(_hang_up, stream.response)),
            stream,
        ):
            for chunk in stream:
                if chunk.usage is not None:
                    usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens, 1)
                for choice in chunk.choices:
                    text = choice.delta.content if choice.delta else None
                    if text:
                        parts.append(text)
                        size += len(text)
                        if on_text is not None:
                            on_text("".join(parts))
                    finish = choice.finish_reason or finish
                if time.monotonic() > deadline:
                    raise llm_errors.too_slow(time.monotonic() - now, budget.spent(), settings)
                if size > MAX_REPLY_CHARS:
                    raise llm_errors.cut_off(spec.max_tokens, spec.max_tokens_setting)
    except openai.APIError as error:  # the client wraps its transport's errors while streaming
        if isinstance(error, openai.APITimeoutError) or time.monotonic() >= deadline:
            raise llm_errors.too_slow(time.monotonic() - now, budget.spent(), settings) from None
        raise LlmFailed(
            f"The model server broke off its answer ({type(error).__name__}); please try again."
        ) from None
    finally:
        watchdog.cancel()
    cancellation.current().raise_if_cancelled()  # a hang-up may end the stream without an error
    if time.monotonic() >= deadline:  # the watchdog ended a close-delimited stream early
        raise llm_errors.too_slow(time.monotonic() - now, budget.spent(), settings)
    if finish == "length":
        raise llm_errors.cut_off(spec.max_tokens, spec.max_tokens_setting)
    return Completion("".join(parts), usage, mode)


def _hang_up(response: Any) -> None:
    """Wake a read blocked past the deadline: shut the socket (the server sees the hang-up)."""
    network = response.extensions.get("network_stream")
    sock = network.get_extra_info("socket") if network is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _body(error: Any) -> str:
    try:
        return str(error.response.text)
    except Exception:  # a body that cannot be read is no reason to lose the status
        return str(error.message)


def _retry_after(headers: Any, tries: int) -> float:
    """The server's Retry-After (ms or seconds) if it gives one, else a doubling backoff."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                seconds: float = max(0.0, float(value) * scale)
                return seconds
            except ValueError:
                pass
    return min(8.0, 0.5 * 2.0 ** (tries - 1))
