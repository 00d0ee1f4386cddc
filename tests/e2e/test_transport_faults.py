"""Fault and latency rules on WebHook deliveries
(`webhookDelivery`) and WebSocket sessions (`webSocketSession`), end to end against a live
`serve`, with real clients: the `websockets` library and the official Python SDK on the
gateway's socket, a WebHook receiver on loopback (docs/chaos.md; decision CHAOS-13)."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from ringcentral import SDK
from ringcentral.websocket.events import WebSocketEvents
from websockets.exceptions import ConnectionClosedError

from mockserver.chaos import Plan
from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.events.webhooks import delivery, send_broken
from presence_mock_kit.receiver import WebhookReceiver
from tests.support.live_server import COMMAND, serving
from tests.support.ws_client import ME, Client, wait_for_journal

SUBS = "/restapi/v1.0/subscription"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("transport-faults")
    with serving(folder, "--workers", "1") as found:
        yield found


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def rules(url: str, *given: dict[str, Any]) -> None:
    answer = requests.put(f"{url}/_mock/chaos", json={"seed": 7, "rules": list(given)}, timeout=10)
    assert answer.status_code == 200, answer.text


# -- WebSocket sessions -----------------------------------------------------------------------
def test_a_start_up_reset_drops_the_socket_and_wsc_recovers_what_was_missed(
    tmp_path: Path,
) -> None:
    """`--fault webSocketSession=reset:next=1`: the first notification breaks the socket with
    no close frame; the client comes back with its `wsc` and gets it, and what followed."""
    with serving(tmp_path, "--workers", "1", "--fault", "webSocketSession=reset:next=1") as url:
        _reset_and_recover(url)


def _reset_and_recover(url: str) -> None:
    client = Client.login(url)
    socket = client.connect()
    token = socket.receive()[0]["wsc"]["token"]
    subscription = socket.subscribe()[1]["id"]
    first = client.flip_status()
    with pytest.raises(ConnectionClosedError) as dropped:
        socket.wait_for("ServerNotification", timeout=10)
    assert dropped.value.rcvd is None  # no close frame: the TCP connection was cut
    second = client.flip_status()
    time.sleep(0.5)
    again = client.connect(wsc=token)
    meta, details = again.receive()
    assert details["recoveryState"] == "Successful"
    assert meta["wsc"]["token"] == token
    replayed = [again.wait_for("ServerNotification") for _ in range(2)]
    assert [n[1]["body"]["userStatus"] for n in replayed] == [first, second]
    assert {n[1]["subscriptionId"] for n in replayed} == {subscription}
    third = client.flip_status()  # next=1: the rule is spent, the socket stays
    assert again.wait_for("ServerNotification")[1]["body"]["userStatus"] == third
    again.close()


def test_the_python_sdk_sees_its_socket_reset(url: str) -> None:
    rules(url, {"operation": "webSocketSession", "fault": "reset", "next": 1})
    try:
        found = json.loads(subprocess.check_output([COMMAND, "credentials", "--json"]))
        platform = SDK(found["clientId"], found["clientSecret"], url).platform()
        platform.login(jwt=found["jwt"])
        asyncio.run(asyncio.wait_for(_sdk_dropped(platform), timeout=60))
    finally:
        rules(url)


async def _sdk_dropped(platform: Any) -> None:
    from ringcentral.websocket.web_socket_client import WebSocketClient

    client = WebSocketClient(platform)
    created: asyncio.Queue[Any] = asyncio.Queue()
    client.on(WebSocketEvents.subscriptionCreated, created.put_nowait)
    connection = asyncio.create_task(client.create_new_connection())
    await client.create_subscription([ME])
    await asyncio.wait_for(created.get(), timeout=15)
    current = (await asyncio.to_thread(platform.get, ME)).json_dict()["userStatus"]
    status = "Busy" if current == "Available" else "Available"
    await asyncio.to_thread(platform.put, ME, {"userStatus": status})
    with pytest.raises(ConnectionClosedError) as dropped:
        await asyncio.wait_for(connection, timeout=15)
    assert dropped.value.rcvd is None


def test_latency_delays_each_notification(url: str) -> None:
    rules(url, {"operation": "webSocketSession", "latency": "800ms"})
    try:
        client = Client.login(url)
        socket = client.connect()
        socket.receive()
        socket.subscribe()
        started = time.monotonic()
        status = client.flip_status()
        note = socket.wait_for("ServerNotification", timeout=10)
        assert time.monotonic() - started >= 0.8
        assert note[1]["body"]["userStatus"] == status
        socket.close()
    finally:
        rules(url)


def test_a_503_closes_the_socket_with_try_again_later(url: str) -> None:
    rules(url, {"operation": "webSocketSession", "fault": "503", "next": 1})
    try:
        client = Client.login(url)
        socket = client.connect()
        socket.receive()
        socket.subscribe()
        client.flip_status()
        with pytest.raises(ConnectionClosedError) as closed:
            socket.wait_for("ServerNotification", timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    finally:
        rules(url)


# -- WebHook deliveries -----------------------------------------------------------------------
@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def subscribed(url: str, hook: WebhookReceiver) -> Iterator[tuple[Client, str]]:
    """A WebHook subscription to `hook`; the rules cleared and it deleted afterwards."""
    client = Client.login(url)
    body = {"eventFilters": [ME], "deliveryMode": {"transportType": "WebHook", "address": hook.url}}
    answer = client.session.post(client.url + SUBS, json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    subscription = str(answer.json()["id"])
    yield client, subscription
    rules(url)
    client.session.delete(f"{url}{SUBS}/{subscription}", timeout=10)


def test_a_delayed_and_retried_webhook_delivery(
    url: str, hook: WebhookReceiver, subscribed: tuple[Client, str]
) -> None:
    """A 503 on the first try (nothing sent), 500 ms on every try: the receiver gets the event
    once, after the delay, the retry's 1 s and the delay again; the journal shows both tries."""
    client, subscription = subscribed
    rules(
        url,
        {"operation": "webhookDelivery", "fault": "503", "next": 1},
        {"operation": "webhookDelivery", "latency": "500ms"},
    )
    started = time.monotonic()
    status = client.flip_status()
    got = hook.wait_for(timeout=15)
    assert got.at - started >= 2.0  # 0.5 + 1 (the retry) + 0.5
    assert got.json["body"]["userStatus"] == status
    tries = wait_for_journal(client, subscription, 2)
    assert [(e["attempt"], e["delivered"], e["status"]) for e in tries] == [
        (1, False, 503),
        (2, True, 200),
    ]
    assert tries[0]["fault"] == "503" and "fault" not in tries[1]
    assert tries[0]["error"] == "Webhook responses with code: [503], reason: [Service Unavailable]"
    assert tries[0]["event"]["uuid"] == tries[1]["event"]["uuid"]
    time.sleep(1.0)
    assert len(hook.deliveries) == 1


def test_a_reset_webhook_delivery_is_retried(
    url: str, hook: WebhookReceiver, subscribed: tuple[Client, str]
) -> None:
    client, subscription = subscribed
    rules(url, {"operation": "webhookDelivery", "fault": "reset", "next": 1})
    status = client.flip_status()
    got = hook.wait_for(timeout=15)
    assert got.json["body"]["userStatus"] == status
    tries = wait_for_journal(client, subscription, 2)
    assert tries[0]["fault"] == "reset" and not tries[0]["delivered"]
    assert tries[0]["status"] is None
    assert tries[0]["error"] == "I/O operation is failed. Details: [Connection reset]"
    assert tries[1]["delivered"] and tries[1]["attempt"] == 2


def test_an_empty_webhook_delivery_is_lost(
    url: str, hook: WebhookReceiver, subscribed: tuple[Client, str]
) -> None:
    """`empty`: dropped before sending, never retried; the receiver sees a gap in sequence."""
    client, subscription = subscribed
    rules(url, {"operation": "webhookDelivery", "fault": "empty", "next": 1})
    client.flip_status()
    second = client.flip_status()
    got = hook.wait_for(timeout=15)
    assert got.json["body"]["userStatus"] == second
    tries = wait_for_journal(client, subscription, 2)
    assert [(e["delivered"], e.get("fault")) for e in tries] == [(False, "empty"), (True, None)]
    assert tries[0]["error"] == "dropped before sending (fault)"
    assert tries[1]["event"]["body"]["sequence"] == tries[0]["event"]["body"]["sequence"] + 1
    time.sleep(1.0)
    assert len(hook.deliveries) == 1


def test_rules_name_the_transport_they_are_for() -> None:
    """A rule naming no operation is for /restapi operations only; a transport's rule is for
    that transport (docs/chaos.md)."""
    settings = Settings(fault="reset,webhookDelivery=stall:for=2", latency="webSocketSession=1s")
    chaos = Emulator.from_settings(settings).chaos
    assert chaos.transport_plan("webhookDelivery") == Plan(0.0, "stall", None, 2.0)
    assert chaos.transport_plan("webSocketSession") == Plan(delay=1.0)
    found = chaos.plan("readUserPresenceStatus", None)
    assert found is not None and found.fault == "reset"
    assert (
        Emulator.from_settings(Settings(fault="reset")).chaos.transport_plan("webSocketSession")
        is None
    )


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("truncate", "Unexpected end of stream"),
        ("stall", "Read timed out"),
        ("reset", "Connection reset"),
    ],
)
def test_what_a_receiver_reads_of_a_broken_delivery(fault: str, reason: str) -> None:
    """send_broken, against a bare socket: the head always; half the body (truncate); nothing
    more for the stall's length (stall); the connection ends without the whole body."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    read: list[bytes] = []

    def receive() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(5)
            while True:
                try:
                    chunk = connection.recv(65536)
                except ConnectionResetError:
                    read.append(b"<reset>")
                    return
                if not chunk:
                    return
                read.append(chunk)

    thread = threading.Thread(target=receive)
    thread.start()
    outgoing = delivery(f"http://127.0.0.1:{port}/hook", {"subscriptionId": "s", "n": 1}, None)
    started = time.monotonic()
    said = send_broken(outgoing, fault, 0.6)
    thread.join(5)
    listener.close()
    assert said == f"I/O operation is failed. Details: [{reason}]"
    got = b"".join(read)
    head, _, body = got.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /hook HTTP/1.1")
    assert f"Content-Length: {len(outgoing.body)}".encode() in head
    if fault == "truncate":
        assert body == outgoing.body[: len(outgoing.body) // 2]
    elif fault == "stall":
        assert body == b"" and time.monotonic() - started >= 0.6
    else:
        assert body in (b"", b"<reset>")
