"""The POSTs of one pass go out together (decision EVT-50), each subscription's still in order and
once, through the same address rules as every POST (decisions HOOK-5, HOOK-6): a receiver on
loopback that holds every POST open until all of them are open at once, and the network POST
itself, checked against stand-in receivers."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mockserver.emulator import Emulator
from mockserver.events import delivery
from mockserver.events.addresses import AddressPolicy
from mockserver.events.delivery import Deliverer
from mockserver.events.delivery_http import post
from mockserver.events.subscriptions import lease_name
from mockserver.events.webhooks import MAX_REPLY, Answer, Outgoing
from mockserver.events.webhooks import delivery as outgoing_of
from tests.support.login import Api

SUBS = "/restapi/v1.0/subscription"
MINE = "/restapi/v1.0/account/~/extension/~/presence"
HOLD = 2.5  # what the receiver waits for the others, below a POST's 3 s: then it answers 503


class Listening(ThreadingHTTPServer):
    request_queue_size = 128  # http.server's 5 would drop connections made at once


class Gathering:
    """A receiver on loopback that answers a POST only once `expected` POSTs are open at the
    same time (503 after HOLD seconds without them): a deliverer that POSTs a change to its
    subscriptions one batch after another never gets a 200."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.open = 0
        self.most = 0  # the most POSTs open at once
        self.all_in = threading.Event()
        self.lock = threading.Lock()
        self.got: list[tuple[str, dict[str, Any]]] = []  # (path, envelope) of each delivery
        self.hosts: list[str] = []
        gathering = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                token = self.headers.get("Validation-Token")
                if not body:  # the handshake
                    self.answer(200, {"Validation-Token": token or ""})
                    return
                self.answer(gathering.hold(self.path, json.loads(body), self.headers["Host"]), {})

            def answer(self, status: int, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = Listening(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hold(self, path: str, envelope: dict[str, Any], host: str) -> int:
        with self.lock:
            self.got.append((path, envelope))
            self.hosts.append(host)
            self.open += 1
            self.most = max(self.most, self.open)
            if self.open >= self.expected:
                self.all_in.set()
        try:
            return 200 if self.all_in.wait(HOLD) else 503
        finally:
            with self.lock:
                self.open -= 1

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gathering(request: pytest.FixtureRequest) -> Iterator[Gathering]:
    found = Gathering(request.param)
    yield found
    found.stop()


def subscribe(api: Api, address: str) -> str:
    body = {
        "eventFilters": [MINE],
        "deliveryMode": {"transportType": "WebHook", "address": address},
    }
    answer = api.client.post(SUBS, json=body, headers=api.headers())
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return str(answer.get_json()["id"])


def flip(api: Api) -> None:
    status = "Busy" if api.get(MINE).get_json()["userStatus"] != "Busy" else "Available"
    assert api.put(MINE, {"userStatus": status}).status_code == 200


COUNT = 12  # more than the 8 threads that used to POST, no more than MAX_POSTS


@pytest.mark.parametrize("gathering", [COUNT], indirect=True)
def test_one_change_is_posted_to_every_subscription_at_once(
    admin: Api, emulator: Emulator, gathering: Gathering
) -> None:
    """Before, a change to 12 subscriptions went out 8 POSTs at a time (a pool of 8 threads): this
    receiver then answered none of them 200."""
    ids = [subscribe(admin, f"http://127.0.0.1:{gathering.port}/hook/{i}") for i in range(COUNT)]
    flip(admin)
    deliverer = Deliverer(emulator.events, emulator.directory, emulator.clock, owner="together")
    assert deliverer.step() == COUNT
    assert gathering.most == COUNT
    delivered = [e for e in emulator.events.delivered.entries() if e["transport"] == "WebHook"]
    assert sorted(str(e["subscriptionId"]) for e in delivered) == sorted(ids)
    assert all(e["delivered"] and e["status"] == 200 for e in delivered)
    assert set(gathering.hosts) == {f"127.0.0.1:{gathering.port}"}


@pytest.mark.parametrize("gathering", [1], indirect=True)
def test_each_subscription_gets_its_changes_in_order_and_once(
    admin: Api, emulator: Emulator, gathering: Gathering, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five changes in one pass to 12 subscriptions, at most 4 POSTs in flight: each receiver
    path sees the five sequences in order, once each."""
    monkeypatch.setattr(delivery, "MAX_POSTS", 4)
    for i in range(12):
        subscribe(admin, f"http://127.0.0.1:{gathering.port}/hook/{i}")
    for _ in range(5):
        flip(admin)
    deliverer = Deliverer(emulator.events, emulator.directory, emulator.clock, owner="ordered")
    assert deliverer.step() == 60
    assert gathering.most <= 4
    by_path: dict[str, list[int]] = {}
    for path, envelope in gathering.got:
        by_path.setdefault(path, []).append(int(envelope["body"]["sequence"]))
    assert len(by_path) == 12
    first = next(iter(by_path.values()))
    assert first == sorted(set(first)) and len(first) == 5
    assert all(sequences == first for sequences in by_path.values())
    assert len({e["uuid"] for _, e in gathering.got}) == 60
    assert deliverer.step() == 0  # nothing left: nothing POSTed again


# -- the network POST itself -------------------------------------------------------------------
class Lookups:
    """A stand-in resolver (never real DNS) that counts the names it was asked for."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.calls: list[str] = []

    def __call__(self, host: str, port: int, *_: Any, **__: Any) -> list[tuple[Any, ...]]:
        self.calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (self.answer, port))]


def one_answer(reply: bytes, then: bytes = b"") -> tuple[int, list[bytes], threading.Thread]:
    """A receiver on loopback that reads one request, sends `reply` (and keeps sending `then`
    until the emulator hangs up); the request it read."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    read: list[bytes] = []

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                data += connection.recv(65536)
            read.append(data)
            try:
                connection.sendall(reply)
                while then:
                    connection.sendall(then)
            except OSError:
                pass
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return port, read, thread


def test_a_name_is_looked_up_once_and_sent_in_host() -> None:
    port, read, thread = one_answer(b"HTTP/1.1 204 No Content\r\nX-Seen: yes\r\n\r\n")
    lookups = Lookups("127.0.0.1")
    policy = AddressPolicy(("relay.internal",), resolver=lookups)
    outgoing = outgoing_of(f"http://relay.internal:{port}/hook?k=v", {"n": 1}, "tok")
    answer = asyncio.run(post(policy, outgoing))
    thread.join(5)
    assert answer.status == 204 and answer.header("x-seen") == "yes"
    assert lookups.calls == ["relay.internal"]
    head, _, body = read[0].partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /hook?k=v HTTP/1.1"
    assert f"Host: relay.internal:{port}" in lines and "Connection: close" in lines
    assert "Verification-Token: tok" in lines and "Validation-Token: tok" in lines
    assert body in (b"", b'{"n":1}')  # the body may come in a later segment


def test_a_long_answer_is_read_at_most_1025_bytes() -> None:
    chunk = b"x" * 65536
    port, _, thread = one_answer(
        b"HTTP/1.1 200 OK\r\nContent-Length: 209715200\r\n\r\n" + chunk, then=chunk
    )
    answer = asyncio.run(post(AddressPolicy(), outgoing_of(f"http://127.0.0.1:{port}/", {}, None)))
    thread.join(10)
    assert not thread.is_alive()  # the receiver was hung up on
    assert answer.status == 200 and len(answer.body) == MAX_REPLY + 1


@pytest.mark.parametrize(
    "reply", [b"HELLO\r\n\r\n", b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 200 + b"\r\n"]
)
def test_an_answer_that_is_not_http_is_an_invalid_answer(reply: bytes) -> None:
    port, _, thread = one_answer(reply)
    with pytest.raises(ConnectionError, match="Invalid answer"):
        asyncio.run(post(AddressPolicy(), outgoing_of(f"http://127.0.0.1:{port}/", {}, None)))
    thread.join(5)


def test_a_header_that_could_forge_a_line_is_not_sent() -> None:
    with pytest.raises(ValueError):
        asyncio.run(post(AddressPolicy(), outgoing_of("http://127.0.0.1:9/", {}, "a\r\nX: y")))


@pytest.mark.parametrize("gathering", [1], indirect=True)
def test_a_closed_port_fails_the_delivery_as_connection_refused(
    admin: Api, emulator: Emulator, gathering: Gathering
) -> None:
    address = f"http://127.0.0.1:{gathering.port}/hook"
    sid = subscribe(admin, address)
    gathering.stop()  # nothing listens there now
    flip(admin)
    deliverer = Deliverer(emulator.events, emulator.directory, emulator.clock, owner="refused")
    assert deliverer.step() == 1
    [entry] = [e for e in emulator.events.delivered.entries() if e["subscriptionId"] == sid]
    assert entry["error"] == "I/O operation is failed. Details: [Connection refused]"


# -- what a pass leaves to write, in `run` ---------------------------------------------------------
def test_run_journals_every_pass_in_order_and_writes_the_lease_state_itself(
    admin: Api, emulator: Emulator
) -> None:
    """In `run`, a pass's journal is written by the deliverer's journal thread while the next pass
    runs (EVT-51): every delivery is journalled, in order, by the time `run` returns, and the
    lease state (the cursor) was written by the passes themselves."""
    address = "https://journal-hook.test/"
    got: list[dict[str, Any]] = []
    arrived = threading.Event()

    def receive(outgoing: Outgoing) -> Answer:
        token = outgoing.headers.get("Validation-Token")
        if not outgoing.body:  # the handshake
            return Answer(200, {"Validation-Token": token or ""})
        got.append(outgoing.json())
        arrived.set()
        return Answer(200)

    emulator.events.transport.receivers[address] = receive
    try:
        sid = subscribe(admin, address + "x")
        deliverer = Deliverer(emulator.events, emulator.directory, emulator.clock, owner="runner")
        stop = threading.Event()
        runner = threading.Thread(target=deliverer.run, args=(stop,), daemon=True)
        runner.start()
        for _ in range(3):
            arrived.clear()
            flip(admin)
            assert arrived.wait(30), "a change was not delivered"
        stop.set()
        runner.join(30)
        assert not runner.is_alive()
    finally:
        del emulator.events.transport.receivers[address]
    journal = [e for e in emulator.events.delivered.entries() if e["subscriptionId"] == sid]
    positions = [int(e["position"]) for e in journal]
    assert len(positions) == 3 and positions == sorted(positions)
    assert [e["event"]["uuid"] for e in journal] == [g["uuid"] for g in got]
    store = emulator.events.subscriptions.store
    state = store.lease(lease_name(sid), "runner", time.time(), 30.0)
    assert state is not None and state["cursor"] == positions[-1]
