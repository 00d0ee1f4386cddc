"""One WebHook delivery POST over the network, as a coroutine, and the event loop it runs on
(decision EVT-50).

The deliverer POSTs every subscription's notification of a change at once: one coroutine per
POST on one event loop costs about half the CPU of a blocking POST on a thread, and a change to
100 subscriptions is not queued behind a pool of threads. The rules are those of every POST
(events/addresses.py, decisions HOOK-5 to HOOK-7): the address is checked and resolved once by
the policy, the socket is connected to a checked address (a name is never looked up again: the
socket is made here and given to asyncio), `Host` and the TLS server name carry the name, a new
connection each time, closed after the answer (`Connection: close`). The answer's head is read
within http.client's bounds (100 header lines of 64 KiB) and parsed by http.client; of the body,
only what came with it or what its Content-Length announces is read, 1,025 bytes at most: only
the status counts. One deadline of TIMEOUT (3 s) covers all of it, a connect CONNECT_TIMEOUT.

The handshake stays on the blocking transport (events/webhooks.py): it answers a request.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import os
import re
import socket
import ssl
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from mockserver.events.addresses import AddressPolicy, AddressRefused, Target
from mockserver.events.webhooks import CONNECT_TIMEOUT, MAX_REPLY, TIMEOUT, Answer, Outgoing

T = TypeVar("T")
CHUNK = 65536
MAX_HEAD = 101 * (CHUNK + 1)  # http.client's bounds: 100 header lines and a status line
_END = b"\r\n\r\n"
_THREAD = "presence-webhook-posts"
_ILLEGAL = re.compile(r"[\r\n\x00]")  # a header value that could forge a line


class DeliveryLoop:
    """The process's event loop for delivery POSTs, in a daemon thread started on first use
    (again in a forked child, where the parent's thread does not run)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=_THREAD, daemon=True)
                thread.start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the loop and wait for its result (from any thread but the
        loop's own)."""
        loop = self.loop()
        if threading.current_thread().name == _THREAD:
            coroutine.close()
            raise RuntimeError("a delivery pass started from within a delivery pass")
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()


LOOP = DeliveryLoop()


async def post(policy: AddressPolicy, outgoing: Outgoing) -> Answer:
    """POST `outgoing` to its address as the policy allows; the answer (its body: what was read
    of it). Raises AddressRefused, TimeoutError, ConnectionError ("Invalid answer: ..." for an
    answer that is not HTTP), other OSErrors, or ValueError (a header that could forge a line)."""
    loop = asyncio.get_running_loop()
    target = policy.pinned(outgoing.address)
    if target is None:  # a name to look up: once, and not on the loop
        target = await loop.run_in_executor(None, policy.resolve, outgoing.address)
    request = _request(target, outgoing)
    deadline = loop.time() + TIMEOUT
    reader, writer = await _connect(target, deadline)
    try:
        async with asyncio.timeout_at(deadline):
            writer.write(request)
            await writer.drain()
            return await _answer(reader)
    finally:
        writer.close()


def _request(target: Target, outgoing: Outgoing) -> bytes:
    """The request as the blocking transport sends it, with `Connection: close`."""
    headers = {
        "Accept-Encoding": "identity",
        "Content-Length": str(len(outgoing.body)),
        **outgoing.headers,
        "Host": target.host_header,
        "Connection": "close",
    }
    lines = [f"POST {target.path} HTTP/1.1"]
    for name, value in headers.items():
        if _ILLEGAL.search(name) or _ILLEGAL.search(value):
            raise ValueError(f"Invalid header value for {name}")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + outgoing.body


async def _connect(
    target: Target, deadline: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to one of the target's checked addresses, in order (TLS for https, the name
    as the server name); the last address's error when none answers. Never a lookup: the
    socket is connected to the address itself, then handed to asyncio."""
    loop = asyncio.get_running_loop()
    error: OSError = AddressRefused("no address")
    for address in target.addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            wait = max(0.001, min(CONNECT_TIMEOUT, deadline - loop.time()))
            async with asyncio.timeout(wait):
                await loop.sock_connect(sock, (address, target.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as failed:  # TimeoutError included
            sock.close()
            error = failed
            continue
        try:
            async with asyncio.timeout_at(deadline):
                if target.scheme == "https":
                    return await asyncio.open_connection(
                        sock=sock,
                        ssl=ssl.create_default_context(),
                        server_hostname=target.host,
                        limit=CHUNK,
                    )
                return await asyncio.open_connection(sock=sock, limit=CHUNK)
        except BaseException:
            sock.close()
            raise
    raise error


async def _answer(reader: asyncio.StreamReader) -> Answer:
    """The answer's head, parsed by http.client within its bounds, and what is read of the body
    (what came with the head, then up to its Content-Length; MAX_REPLY + 1 bytes at most)."""
    data = bytearray()
    while (end := data.find(_END)) < 0:
        if len(data) > MAX_HEAD:
            raise ConnectionError("Invalid answer: LineTooLong")
        chunk = await reader.read(CHUNK)
        if not chunk:
            if not data:
                raise ConnectionError("Remote end closed connection without response")
            end = len(data)
            break
        data += chunk
    head, body = bytes(data[: end + len(_END)]), bytes(data[end + len(_END) :])
    reply = http.client.HTTPResponse(_Head(head))  # type: ignore[arg-type]
    try:
        reply.begin()
    except http.client.HTTPException as error:  # not HTTP, or headers beyond its bounds
        raise ConnectionError(f"Invalid answer: {type(error).__name__}") from None
    wanted = min(MAX_REPLY + 1, reply.length if reply.length is not None else len(body))
    while len(body) < wanted:
        chunk = await reader.read(wanted - len(body))
        if not chunk:
            break
        body += chunk
    return Answer(reply.status, dict(reply.headers.items()), body[: MAX_REPLY + 1])


class _Head:
    """The answer's head as the socket http.client.HTTPResponse reads it from."""

    def __init__(self, head: bytes) -> None:
        self.head = head

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(self.head)
