"""The official Python SDK (`ringcentral` 0.9.2 with `websockets`), unchanged,
subscribes, receives an event a PUT caused, updates and removes its subscription against a live
`serve`, exactly as its `demos/demo_subscription.py` does it (WebSocketClient events)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from ringcentral import SDK
from ringcentral.websocket.events import WebSocketEvents
from websockets.exceptions import ConnectionClosedOK

from tests.support.live_server import COMMAND, serving

ME = "/restapi/v1.0/account/~/extension/~/presence"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("sdk-ws"), "--workers", "2") as found:
        yield found


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # websockets 15 honours *_proxy variables (docs/contract.md#sdk-compat): loopback goes direct.
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_the_python_sdk_subscribes_receives_updates_and_removes(url: str) -> None:
    found = json.loads(subprocess.check_output([COMMAND, "credentials", "--json"]))
    sdk = SDK(found["clientId"], found["clientSecret"], url)
    platform = sdk.platform()
    platform.login(jwt=found["jwt"])
    asyncio.run(asyncio.wait_for(_scenario(sdk, platform), timeout=60))


async def _scenario(sdk: Any, platform: Any) -> None:
    client = sdk.create_web_socket_client()
    happened: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    for name in (
        WebSocketEvents.connectionCreated,
        WebSocketEvents.subscriptionCreated,
        WebSocketEvents.subscriptionUpdated,
        WebSocketEvents.subscriptionRemoved,
        WebSocketEvents.receiveSubscriptionNotification,
    ):
        client.on(name, lambda *args, name=name: happened.put_nowait((name, args)))

    async def next_event(wanted: str) -> Any:
        while True:
            name, args = await asyncio.wait_for(happened.get(), timeout=15)
            if name == wanted:
                return args[0] if args else None

    async def put(status: str) -> None:
        await asyncio.to_thread(platform.put, ME, {"userStatus": status})

    connection = asyncio.create_task(client.create_new_connection())
    await client.create_subscription([ME])  # as the demo: waits until the socket is ready
    subscription = await next_event(WebSocketEvents.subscriptionCreated)
    info = subscription.get_subscription_info()
    assert info[0]["headers"]["WSG-SubscriptionId"] == info[1]["id"]
    owner = platform.auth().data()["owner_id"]

    current = (await asyncio.to_thread(platform.get, ME)).json_dict()["userStatus"]
    status = "Busy" if current == "Available" else "Available"
    await put(status)
    notification = await next_event(WebSocketEvents.receiveSubscriptionNotification)
    meta, envelope = notification
    assert meta["type"] == "ServerNotification"
    assert envelope["subscriptionId"] == info[1]["id"]
    assert envelope["body"]["userStatus"] == status
    assert envelope["body"]["extensionId"] == owner == envelope["ownerId"]

    detailed = f"{ME}?detailedTelephonyState=true"
    await client.update_subscription(subscription, [detailed])
    await next_event(WebSocketEvents.subscriptionUpdated)
    await asyncio.sleep(0.5)  # the SDK does not wait for the PUT's reply
    status = "Busy" if status == "Available" else "Available"
    await put(status)
    _, envelope = await next_event(WebSocketEvents.receiveSubscriptionNotification)
    assert envelope["event"].endswith("/presence?detailedTelephonyState=true")
    assert "activeCalls" in envelope["body"]

    await client.remove_subscription(subscription)
    await next_event(WebSocketEvents.subscriptionRemoved)
    await asyncio.sleep(0.5)
    await put("Available" if status == "Busy" else "Busy")
    with pytest.raises(TimeoutError):  # removed: nothing more arrives
        await asyncio.wait_for(next_event(WebSocketEvents.receiveSubscriptionNotification), 1.5)

    await client.close_connection()
    with contextlib.suppress(ConnectionClosedOK):  # how 0.9.2 ends (docs/contract.md#sdk-compat)
        await connection
