"""A hostile PostgreSQL server speaking just enough of the wire protocol (v3) to misbehave.

Modes:
- ``silent``: completes the login (AuthenticationOk, parameters, ReadyForQuery) and then reads
  and ignores every query, for ever: the "database that went quiet" case.
- ``password``: asks for a cleartext password and records what the client sends (or that it
  sent none), then refuses the login: shows which credentials a client would hand out.
- ``stall``: accepts the TCP connection and never answers the startup message.

Runs an asyncio server on loopback in a thread; ``startups`` and ``passwords`` record what
clients sent. SSL and GSS encryption requests are declined, as a server without them does.
"""

from __future__ import annotations

import asyncio
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["silent", "password", "stall"]
_SSL_REQUEST = 80877103
_GSS_REQUEST = 80877104
_CANCEL_REQUEST = 80877102


def _message(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + struct.pack("!I", len(payload) + 4) + payload


def _parameter(name: str, value: str) -> bytes:
    return _message(b"S", name.encode() + b"\0" + value.encode() + b"\0")


_LOGIN_OK = b"".join(
    [
        _message(b"R", struct.pack("!I", 0)),
        _parameter("server_version", "16.0"),
        _parameter("server_encoding", "UTF8"),
        _parameter("client_encoding", "UTF8"),
        _parameter("DateStyle", "ISO, MDY"),
        _parameter("integer_datetimes", "on"),
        _parameter("standard_conforming_strings", "on"),
        _parameter("TimeZone", "UTC"),
        _message(b"K", struct.pack("!II", 4242, 4242)),
        _message(b"Z", b"I"),
    ]
)
_REFUSED = _message(b"E", b"SFATAL\0C28P01\0Mpassword authentication failed\0\0")


@dataclass
class FakePostgres:
    mode: Mode
    port: int = 0
    startups: list[dict[str, str]] = field(default_factory=list)
    passwords: list[str | None] = field(default_factory=list)
    connections: int = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                length = struct.unpack("!I", await reader.readexactly(4))[0]
                body = await reader.readexactly(length - 4)
                code = struct.unpack("!I", body[:4])[0]
                if code in (_SSL_REQUEST, _GSS_REQUEST):
                    writer.write(b"N")
                    await writer.drain()
                    continue
                if code == _CANCEL_REQUEST:
                    return
                break
            pairs = body[4:].split(b"\0")
            self.startups.append(
                {pairs[i].decode(): pairs[i + 1].decode() for i in range(0, len(pairs) - 1, 2)}
            )
            if self.mode == "stall":
                await reader.read()  # until the client gives up
                return
            if self.mode == "password":
                writer.write(_message(b"R", struct.pack("!I", 3)))
                await writer.drain()
                try:
                    kind = await reader.readexactly(1)
                    size = struct.unpack("!I", await reader.readexactly(4))[0]
                    payload = await reader.readexactly(size - 4)
                except asyncio.IncompleteReadError:
                    self.passwords.append(None)  # the client had no password to send
                    return
                self.passwords.append(payload.rstrip(b"\0").decode() if kind == b"p" else None)
                writer.write(_REFUSED)
                await writer.drain()
                return
            writer.write(_LOGIN_OK)
            await writer.drain()
            while await reader.read(65536):  # every query is read and never answered
                pass
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@contextmanager
def fake_postgres(mode: Mode) -> Iterator[FakePostgres]:
    """Run a fake server on 127.0.0.1 (an ephemeral port) for the duration of the block."""
    fake = FakePostgres(mode)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    server: list[asyncio.Server] = []

    async def start() -> None:
        started = await asyncio.start_server(fake._serve, "127.0.0.1", 0, backlog=512)
        fake.port = started.sockets[0].getsockname()[1]
        server.append(started)
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop)
    if not ready.wait(10):
        raise RuntimeError("fake PostgreSQL did not start")
    try:
        yield fake
    finally:

        async def stop() -> None:
            server[0].close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
