"""A lean WebSocket client for the benchmark's subscribers (`bench.events`): an asyncio protocol
that does the RFC 6455 handshake, sends masked text frames, answers pings, and hands on each
text frame's payload with the time its bytes came in.

Why not aiohttp's client: with 1,000 sockets on the same two cores as the server, the client's
own cost per message is part of what is measured (aiohttp's reader makes a message object, a
future and a task wake-up per frame, about 90 µs each on the loaded 2-core machine; this one
parses the frame in `data_received` and appends it to a list). The arrival time is taken once
per `data_received` call, before any frame of it is parsed.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

Arrived = Callable[[float, bytes], None]  # (perf_counter on receipt, a text frame's payload)

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def frame(opcode: int, payload: bytes) -> bytes:
    """A client's frame: FIN, masked (RFC 6455 §5.3)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    whole = int.from_bytes((mask * (length // 4 + 1))[:length], "big")
    masked = (int.from_bytes(payload, "big") ^ whole).to_bytes(length, "big") if length else b""
    return head + mask + masked


class LeanSocket(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Before `arrived` is set (the set-up: ConnectionDetails, the subscribe reply): frames
        # wait here for `receive`.
        self.unread: deque[bytes] = deque()
        self.waiting: asyncio.Future[None] | None = None
        self.arrived: Arrived | None = None

    @classmethod
    async def connect(cls, url: str) -> LeanSocket:
        parts = urlsplit(url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"bench: a loopback gateway only, not {url}")
        loop = asyncio.get_running_loop()
        _, socket = await loop.create_connection(cls, parts.hostname, parts.port or 80)
        key = base64.b64encode(os.urandom(16)).decode()
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        assert socket.transport is not None
        socket.transport.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        await socket.opened
        return socket

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        for future in (self.opened, self.waiting):
            if future is not None and not future.done():
                future.set_exception(ConnectionError("the connection closed"))

    def data_received(self, data: bytes) -> None:
        arrived = time.perf_counter()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[: buffer.find(b"\r\n")])
            del buffer[: end + 4]
            if b" 101 " not in status:
                self.opened.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.upgraded = True
            self.opened.set_result(None)
        at = 0
        size = len(buffer)
        while size - at >= 2:
            first, length = buffer[at], buffer[at + 1] & 0x7F
            start = at + 2
            if length == 126:
                if size - at < 4:
                    break
                (length,) = struct.unpack_from("!H", buffer, at + 2)
                start = at + 4
            elif length == 127:
                if size - at < 10:
                    break
                (length,) = struct.unpack_from("!Q", buffer, at + 2)
                start = at + 10
            if size - start < length:
                break
            payload = bytes(buffer[start : start + length])
            at = start + length
            opcode = first & 0x0F
            if opcode == TEXT:
                if self.arrived is not None:
                    self.arrived(arrived, payload)
                else:
                    self.unread.append(payload)
                    if self.waiting is not None and not self.waiting.done():
                        self.waiting.set_result(None)
            elif opcode == PING:
                self.send(PONG, payload)
            elif opcode == CLOSE and self.transport is not None:
                self.send(CLOSE, payload[:2])
                self.transport.close()
        del buffer[:at]

    def send(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(opcode, payload))

    def send_text(self, text: str) -> None:
        self.send(TEXT, text.encode())

    async def receive(self, timeout: float = 30) -> bytes:
        """The next text frame (while `arrived` is not set: the set-up's request and reply)."""
        while not self.unread:
            self.waiting = asyncio.get_running_loop().create_future()
            await asyncio.wait_for(self.waiting, timeout)
        return self.unread.popleft()

    async def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.send(CLOSE, struct.pack("!H", 1000))
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), 2)
        except TimeoutError:
            self.transport.abort()
