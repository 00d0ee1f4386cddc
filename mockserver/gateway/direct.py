"""Writing a text frame straight to a socket's transport, without a task (decision WS-50).

A notification for 1,000 sockets used to wake 1,000 writer tasks (`app.Gateway._write`), each
to hand one small frame to aiohttp. When a socket's outbox is empty, its writer idle and its
transport holds nothing unsent, the frame is written here at once: the header of RFC 6455
§5.2 (FIN, text, unmasked as a server's frames are) and the payload, in one `write`. Anything
else (a compressed connection, a closing socket, a transport that has not sent everything yet:
a client that does not read) is declined, and the frame waits in the outbox for the writer,
which waits on the transport as before; the outbox bounds (docs/security.md) are unchanged.
"""

from __future__ import annotations

import asyncio
import struct

from aiohttp import web

from mockserver.gateway.bounds import Text

FIN_TEXT = 0x81  # FIN bit and opcode 1 (text)


def header(length: int) -> bytes:
    """A server's (unmasked) text frame header for a payload of `length` bytes."""
    if length < 126:
        return struct.pack("!BB", FIN_TEXT, length)
    if length < 1 << 16:
        return struct.pack("!BBH", FIN_TEXT, 126, length)
    return struct.pack("!BBQ", FIN_TEXT, 127, length)


class DirectWriter:
    """`Outbox.direct` for one socket: write a frame now if nothing stands in its way."""

    def __init__(self, socket: web.WebSocketResponse, transport: asyncio.BaseTransport | None):
        self.socket = socket
        self.transport = transport if isinstance(transport, asyncio.WriteTransport) else None

    def __call__(self, text: Text) -> bool:
        transport = self.transport
        if (
            transport is None
            or self.socket.compress  # permessage-deflate: aiohttp's writer compresses
            or self.socket.closed  # a close frame is going out: nothing after it
            or transport.is_closing()
            or transport.get_write_buffer_size()  # unsent bytes wait: so does this frame
        ):
            return False
        payload = text.encode() if isinstance(text, str) else text
        transport.write(header(len(payload)) + payload)
        return True
