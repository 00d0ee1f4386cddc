"""`GET /_mock/stream?after=N`: the event log as Server-Sent Events (decision WS-15), for the board.

One `event: presence` per logged change, `id:` its position, `data:` the change as
`LoggedChange.to_wire()` shows it. `after` (or the browser's `Last-Event-ID` on a reconnect)
replays what was logged after that position first; without either the stream starts at the
newest change. The board's page is served by the REST port, another origin: the stream allows
that origin only (`access.stream_origin`), never any origin.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from mockserver.access import stream_origin
from mockserver.errors import InvalidParameter
from mockserver.events.log import LoggedChange
from mockserver.inputs import whole_number
from mockserver.storage.outage import is_outage, store_unavailable

KEEPALIVE = 15.0  # seconds between comment lines while nothing happens (proxies, dead clients)
BACKLOG_PAGE = 500
QUEUE_LIMIT = 1000  # batches a slow reader may fall behind before it is dropped


def cors(request: web.Request) -> dict[str, str]:
    """The board's origin may read the stream; another origin gets no allowance."""
    allowed = stream_origin(request.headers.get("Origin"), request.headers.get("Host"))
    return {"Access-Control-Allow-Origin": allowed, "Vary": "Origin"} if allowed else {}


class Streams:
    """The open streams; `publish` runs on the event loop."""

    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[list[LoggedChange] | None]] = set()

    def publish(self, changes: list[LoggedChange]) -> None:
        for queue in list(self.queues):
            try:
                queue.put_nowait(changes)
            except asyncio.QueueFull:  # a reader that does not read: end its stream
                self.queues.discard(queue)
                queue.get_nowait()
                queue.put_nowait(None)


def _start(request: web.Request, last: int) -> int:
    raw = request.query.get("after", request.headers.get("Last-Event-ID"))
    if raw is None:
        return last
    found = whole_number(raw, 18)
    if found is None:
        raise InvalidParameter("after")
    return found


def _event(change: LoggedChange) -> bytes:
    data = orjson.dumps(change.to_wire())
    return b"event: presence\nid: %d\ndata: %s\n\n" % (change.position, data)


def stream_handler(
    streams: Streams,
    after: Callable[[int, int], list[LoggedChange]],
    last: Callable[[], int],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def stream(request: web.Request) -> web.StreamResponse:
        try:
            position = _start(request, await asyncio.to_thread(last))
        except InvalidParameter as error:
            return web.json_response(error.to_body(), status=error.status, headers=cors(request))
        except Exception as error:  # the store is down: 503 CMN-201 (the tail says it once)
            if not is_outage(error):
                raise
            down = store_unavailable(cors(request))
            return web.json_response(down.to_body(), status=down.status, headers=down.headers)
        response = web.StreamResponse(
            headers={
                **cors(request),
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        queue: asyncio.Queue[list[LoggedChange] | None] = asyncio.Queue(QUEUE_LIMIT)
        streams.queues.add(queue)  # before the backlog is read: nothing falls in between
        try:
            await response.prepare(request)
            await response.write(b": presence-mock event stream\n\n")
            while True:
                backlog = await asyncio.to_thread(after, position, BACKLOG_PAGE)
                for change in backlog:
                    await response.write(_event(change))
                    position = change.position
                if len(backlog) < BACKLOG_PAGE:
                    break
            while True:
                try:
                    batch = await asyncio.wait_for(queue.get(), KEEPALIVE)
                except TimeoutError:
                    await response.write(b": keepalive\n\n")
                    continue
                if batch is None:
                    break
                for change in batch:
                    if change.position > position:
                        await response.write(_event(change))
                        position = change.position
        except ConnectionResetError:
            return response
        finally:
            streams.queues.discard(queue)
        with contextlib.suppress(ConnectionResetError):
            await response.write_eof()
        return response

    return stream
