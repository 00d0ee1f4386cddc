"""What one socket may cost the gateway (docs/security.md, "Gateway bounds"): a bounded outbox,
a cap on the Heartbeat it echoes, and the close codes a socket cut for either gets.

The outbox is what waits to be written to a socket. A client that reads keeps it near empty; one
that stops reading lets it grow by every notification and every echo. Past `OUTBOX_BYTES` or
`OUTBOX_FRAMES` the socket is cut (`Outbox.put` says so once) and what waited is let go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

OUTBOX_BYTES = 8 << 20  # what may wait unwritten for one socket (text of the frames)
OUTBOX_FRAMES = 10_000
MAX_ECHO = 16 << 10  # the largest Heartbeat frame echoed (the platform's is under 100 bytes)
# The developer guide (notifications/websockets/heart-beats): a client answers the server's
# ping with a pong within 10 seconds, or the server may close the connection.
PONG_WAIT = 10.0
CLOSE_WAIT = 2.0  # seconds a close frame may take to go out before the connection is dropped

# Close codes (RFC 6455 §7.4.1; the platform documents none for these: docs/decisions.md GW-2).
NOT_READING = 1008, "Outbox full: the client does not read"
NO_PONG = 1008, "No pong: the client does not answer pings"
ECHO_TOO_BIG = 1009, "Heartbeat too big to echo"
# GW-4: 4000 + the HTTP status the upgrade answers a revoked token (401).
REVOKED = 4401, "Token revoked"


Text = str | bytes  # one frame's text (bytes: already UTF-8)
# Writes one frame to the socket at once if it can without waiting; whether it did.
Direct = Callable[[Text], bool]


class Outbox:
    """The frames waiting for one socket's writer, counted in frames and in characters.

    While nothing waits and the writer holds no frame, `direct` (when given) may write a frame
    at once, with no task woken for it (decision WS-50): it declines when the socket's transport
    holds unsent bytes, so a client that does not read still fills the outbox as before."""

    def __init__(
        self,
        overflow: Callable[[], None],
        max_bytes: int = OUTBOX_BYTES,
        max_frames: int = OUTBOX_FRAMES,
        direct: Direct | None = None,
    ) -> None:
        self._queue: asyncio.Queue[Text] = asyncio.Queue()
        self._overflow = overflow
        self.max_bytes, self.max_frames = max_bytes, max_frames
        self.direct = direct
        self.size = 0
        self.full = False  # once full, for good: the socket is being cut
        self.holding = False  # the writer has taken a frame it has not finished writing

    def put(self, text: Text) -> None:
        """Queue one frame's text ("" ends the socket after what is queued before it)."""
        if self.full:
            return
        # In order: only when nothing is queued or being written can a frame skip the queue.
        idle = not self.holding and self._queue.empty()
        if text and idle and self.direct is not None and self.direct(text):
            return
        if self.size + len(text) > self.max_bytes or self._queue.qsize() >= self.max_frames:
            self.full = True
            self.clear()
            self._overflow()
            return
        self.size += len(text)
        self._queue.put_nowait(text)

    async def get(self) -> Text:
        """The next frame; the writer calls `written` once it has written it."""
        text = await self._queue.get()
        self.size -= len(text)
        self.holding = True
        return text

    def written(self) -> None:
        self.holding = False

    def clear(self) -> None:
        """Let go of what waits (the socket is gone or being cut)."""
        while not self._queue.empty():
            self._queue.get_nowait()
        self.size = 0
