"""``POST /api/query/stream``: the pipeline's events as server-sent events, as they happen.

The pipeline is blocking code; it runs in one worker thread of the same pool the plain
endpoint uses, and hands each event to the event loop as it is emitted, so nothing waits for
the slowest reader. Until the question is ``accepted`` nothing is sent: a refusal (bad input,
quota, someone else's database) answers with its HTTP status and error body exactly as
``POST /api/query`` does. After that every outcome is an event, ``done`` or ``error``.

When the client goes away (a closed tab, Stop), the stream's end cancels the question: the
model call and the statement on the user's database are stopped (``core.cancellation``) and
the worker records the question as cancelled. Comment lines every ``HEARTBEAT_SECONDS`` keep
proxies that cut idle connections from cutting a long step.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import anyio
from contract.ask import Answer
from contract.ask_events import Accepted, AskEvent, Failed
from contract.errors import ErrorBody
from sse_starlette import EventSourceResponse, ServerSentEvent

from backend.api.errors import rendered
from backend.ask.progress import Progress

HEARTBEAT_SECONDS = 15  # well under the 5 minutes after which Railway's edge drops an idle one

Item = AskEvent | BaseException | None  # None: the worker has finished
Question = Callable[[Progress], Answer]


def _failure(error: BaseException) -> Failed:
    """The error event: what ``POST /api/query`` answers for the same failure."""
    if not isinstance(error, Exception):  # the worker was interrupted (shutdown)
        error = RuntimeError(type(error).__name__)
    status, body, _ = rendered(error)
    return Failed(status=status, body=ErrorBody.model_validate(body))


async def stream_question(question: Question) -> EventSourceResponse:
    """Run ``question`` in a worker thread; answer its events as a text/event-stream."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Item] = asyncio.Queue()
    progress = Progress()

    def hand_over(item: Item) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the event loop is gone (shutdown): nobody is listening
            progress.cancellation.cancel()

    def work() -> None:
        try:
            question(progress)
        except BaseException as error:  # handed to the stream, which reports or raises it
            hand_over(error)
        finally:
            hand_over(None)

    progress.emit = hand_over
    worker = asyncio.ensure_future(anyio.to_thread.run_sync(work))
    first = await queue.get()
    if isinstance(first, BaseException):  # refused before it started: the plain HTTP answer
        await worker
        raise first
    assert isinstance(first, Accepted), "the pipeline announces a question before its steps"

    async def events() -> AsyncIterator[ServerSentEvent]:
        item: Item = first
        try:
            while item is not None:
                event = _failure(item) if isinstance(item, BaseException) else item
                yield ServerSentEvent(data=event.model_dump_json(), event=event.type)
                item = await queue.get()
        finally:
            with anyio.CancelScope(shield=True):
                # A no-op once the question has finished; else a network call (the database's
                # cancel request), so off the event loop.
                await anyio.to_thread.run_sync(progress.cancellation.cancel)
                await worker  # the question is recorded (as cancelled) before the stream ends

    return EventSourceResponse(events(), ping=HEARTBEAT_SECONDS)
