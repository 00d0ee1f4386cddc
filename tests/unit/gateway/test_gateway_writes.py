"""How the gateway writes frames (bounds.py, direct.py, tail.py, app.py): at once when a socket's
outbox is empty, through the outbox and its writer otherwise, in order either way, within the
outbox's bounds; and the WebHook deliverer of the process woken once a batch is handed over."""

from __future__ import annotations

import asyncio
import struct
import threading
import uuid
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer

from mockserver.events import matching
from mockserver.events.log import LoggedChange
from mockserver.gateway import frames
from mockserver.gateway.app import Gateway
from mockserver.gateway.bounds import Outbox, Text
from mockserver.gateway.direct import DirectWriter, header
from mockserver.gateway.tail import Tail


# -- the outbox and its direct path -----------------------------------------------------------
class Direct:
    """A stand-in for DirectWriter: takes frames while `open`, and keeps them."""

    def __init__(self) -> None:
        self.open = True
        self.written: list[Text] = []

    def __call__(self, text: Text) -> bool:
        if self.open:
            self.written.append(text)
        return self.open


def test_an_idle_outbox_writes_at_once_and_queues_behind_whatever_waits() -> None:
    async def run() -> None:
        direct = Direct()
        outbox = Outbox(lambda: None, direct=direct)
        outbox.put(b"1")
        assert direct.written == [b"1"] and outbox.size == 0  # nothing queued, no task woken
        direct.open = False  # the transport holds unsent bytes
        outbox.put(b"2")
        direct.open = True
        outbox.put(b"3")  # behind "2", though the transport would take it now
        outbox.put("")  # the end never skips the queue
        assert direct.written == [b"1"]
        assert await outbox.get() == b"2"
        outbox.put(b"4")  # the writer holds "2" and has not written it yet: "4" waits too
        assert direct.written == [b"1"]
        outbox.written()
        assert [await outbox.get(), await outbox.get(), await outbox.get()] == [b"3", "", b"4"]
        outbox.written()
        outbox.put(b"5")  # idle again
        assert direct.written == [b"1", b"5"]

    asyncio.run(run())


def test_frames_the_direct_path_declines_still_count_against_the_bound() -> None:
    async def run() -> None:
        cuts: list[int] = []
        direct = Direct()
        direct.open = False  # a client that does not read: its transport never empties
        outbox = Outbox(lambda: cuts.append(1), max_bytes=1000, direct=direct)
        for _ in range(5):
            outbox.put(b"x" * 200)
        assert outbox.size == 1000 and cuts == []
        outbox.put(b"x")
        assert cuts == [1] and outbox.full and outbox.size == 0
        direct.open = True
        outbox.put(b"y")  # cut for good: nothing more, not even at once
        assert direct.written == [] and cuts == [1]

    asyncio.run(run())


# -- writing to the transport -----------------------------------------------------------------
class Transport(asyncio.WriteTransport):
    def __init__(self) -> None:
        super().__init__()
        self.data = bytearray()
        self.unsent = 0
        self.closing = False

    def write(self, data: Any) -> None:
        self.data += data

    def get_write_buffer_size(self) -> int:
        return self.unsent

    def is_closing(self) -> bool:
        return self.closing


class Socket:
    def __init__(self) -> None:
        self.compress = 0
        self.closed = False


def unframe(data: bytes) -> list[bytes]:
    """The payloads of a server's text frames (RFC 6455 §5.2: FIN, text, unmasked)."""
    out, at = [], 0
    while at < len(data):
        assert data[at] == 0x81 and data[at + 1] & 0x80 == 0
        length, at = data[at + 1], at + 2
        if length == 126:
            (length,), at = struct.unpack("!H", data[at : at + 2]), at + 2
        elif length == 127:
            (length,), at = struct.unpack("!Q", data[at : at + 8]), at + 8
        out.append(bytes(data[at : at + length]))
        at += length
    return out


@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536, 70000])
def test_a_directly_written_frame_is_a_servers_text_frame(length: int) -> None:
    transport, socket = Transport(), Socket()
    write = DirectWriter(socket, transport)  # type: ignore[arg-type]
    payload = b"x" * length
    assert write(payload)
    assert unframe(bytes(transport.data)) == [payload]
    assert len(header(length)) == (2 if length < 126 else 4 if length < 65536 else 10)
    assert write("é")  # text is written as UTF-8
    assert unframe(bytes(transport.data))[-1] == "é".encode()


@pytest.mark.parametrize("what", ["unsent", "closing", "compress", "closed"])
def test_the_direct_path_declines_whenever_the_frame_could_not_go_at_once(what: str) -> None:
    transport, socket = Transport(), Socket()
    if what == "unsent":
        transport.unsent = 10  # the kernel took not all: a frame now would jump no queue, but wait
    elif what == "closing":
        transport.closing = True
    elif what == "compress":
        socket.compress = 15  # permessage-deflate: aiohttp's writer compresses
    else:
        socket.closed = True  # a close frame is going out
    assert not DirectWriter(socket, transport)(b"x")  # type: ignore[arg-type]
    assert transport.data == b""
    assert not DirectWriter(socket, None)(b"x")  # type: ignore[arg-type]


def test_frames_arrive_in_order_whether_written_at_once_or_by_the_writer() -> None:
    """A real socket: the client stops reading for a while, so the transport fills and frames
    queue in the outbox; every frame still arrives, once, in the order put."""
    count = 3000
    pad = "p" * 2000

    async def handler(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        outbox = Outbox(lambda: None, direct=DirectWriter(socket, request.transport))
        writer = asyncio.create_task(Gateway._write(socket, outbox))
        for number in range(count):
            text = orjson.dumps([number, pad])
            outbox.put(text if number % 3 else text.decode())  # bytes and text alike
            if number % 100 == 0:
                await asyncio.sleep(0)  # the writer gets its turns meanwhile
        outbox.put("")  # close after the rest
        await writer
        return socket

    async def run() -> tuple[list[int], int]:
        app = web.Application()
        app.router.add_get("/ws", handler)
        async with TestClient(TestServer(app)) as client:
            socket = await client.ws_connect("/ws")
            await asyncio.sleep(0.3)  # not reading: the server's transport fills
            seen = []
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    seen.append(orjson.loads(message.data)[0])
            return seen, socket.close_code or 0

    seen, code = asyncio.run(run())
    assert seen == list(range(count)) and code == 1000


# -- new_id ----------------------------------------------------------------------------------
def test_request_ids_are_random_version_4_uuids_as_uuid4_writes_them() -> None:
    found = {frames.new_id() for _ in range(2000)}
    assert len(found) == 2000
    for text in list(found)[:200]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122


# -- the tail wakes the deliverer after the handler ------------------------------------------
class Log:
    def __init__(self) -> None:
        self.changes = [LoggedChange(1, 7, 1, 1, 0.0, {}, {})]

    def wait(self, position: int, timeout: float, limit: int = 0) -> list[LoggedChange]:
        return []

    def after(self, position: int, limit: int = 0) -> list[LoggedChange]:
        found, self.changes = self.changes, []
        return found

    def last(self) -> int:
        return 0


@pytest.mark.parametrize("fails", [False, True])
def test_the_deliverer_is_woken_once_the_handler_is_done(fails: bool) -> None:
    """The gateway's handler returns once the sockets have the batch's frames, so the WebHook
    deliverer's pass (it reads every subscription) does not compete with them; a handler that
    fails still wakes it."""
    order: list[str] = []
    heard = threading.Event()

    def handle(changes: list[LoggedChange]) -> None:
        order.append("handled")
        if fails:
            raise RuntimeError("boom")

    def told(position: int) -> None:
        order.append(f"heard {position}")
        heard.set()

    tail = Tail(Log(), handle, blocks=False, heard=told)
    tail.outage.report = lambda error, what: None  # type: ignore[method-assign]
    tail.start()
    try:
        assert heard.wait(5)
    finally:
        tail.stop()
    assert order == ["handled", "heard 1"]


class Core:
    """What `Gateway._on_changes` asks of the core, for one session that matches."""

    def __init__(self) -> None:
        self.emulator = type("E", (), {"settings": type("S", (), {"gateway_ping": 30.0})()})()

    def envelopes(self, subscriptions: list[Any], change: LoggedChange) -> list[Any]:
        return [{"subscriptionId": "sub", "uuid": "u"} for _ in subscriptions]

    def ended(self, sessions: Any) -> set[str]:
        return set()

    def plan(self) -> None:
        return None

    def undelivered(self, found: Any) -> None:
        pass

    def now(self) -> float:
        return 0.0


def test_the_tail_thread_reads_on_only_once_the_loop_has_sent_the_batch() -> None:
    gateway = Gateway(Core())  # type: ignore[arg-type]
    sent: list[str] = []
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    gateway._loop = loop

    def deliver(out: Any, changes: Any, now: float, ended: Any, done: Any) -> None:
        def later() -> None:
            sent.append("sent")
            done.set()

        loop.call_later(0.2, later)  # a slow loop

    gateway._deliver = deliver  # type: ignore[method-assign,assignment]
    grant = type("Grant", (), {"session_id": "oauth"})()
    session = type("Session", (), {"subscription": object(), "send": None, "grant": grant})()
    gateway.sessions.subscribed = (session,)
    try:
        gateway._on_changes([LoggedChange(1, 7, 1, 1, 0.0, {}, {})])
        assert sent == ["sent"]  # returned after the frames went out, not before
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


@pytest.mark.parametrize("subscription_id", ["abc", "x" * 40, "é-1"])
@pytest.mark.parametrize("position", [0, 1, 99_999_999])
def test_a_notifications_uuid_is_the_uuid5_of_its_subscription_and_change(
    subscription_id: str, position: int
) -> None:
    """Written without a `UUID` per subscription, it is still `uuid5` (a retry keeps it)."""
    subscription = type("Subscription", (), {"id": subscription_id})()
    change = LoggedChange(position, 7, 1, 1, 0.0, {}, {})
    expected = str(uuid.uuid5(matching._NAMESPACE, f"{subscription_id}:{position}"))
    assert matching._uuid_of(subscription, change) == expected  # type: ignore[arg-type]
