"""Explained deliveries across processes (docs/explain.md): against a live `serve` with two
workers, the gateway's process weighs and says what became of a WebSocket notification, and
any worker answers `/_mock/events/explain` with it: a closed socket, then the recovery that
delivered it; a WebSocket chaos rule; a client that stops reading its socket; and
`listen --explain-subscription` printing all three for a WebSocket subscription."""

from __future__ import annotations

import argparse
import io
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from mockserver.cli.listen import run_listen
from tests.support.calls_helpers import account, quiet_users
from tests.support.live_server import serving
from tests.support.login import demo_credentials
from tests.support.not_reading import not_reading_row
from tests.support.ws_client import Client

API = "/restapi/v1.0/account/~/extension"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(
        tmp_path_factory.mktemp("explain"), "--workers", "2", "--gateway-ping", "600"
    ) as found:
        yield found


@pytest.fixture
def client(url: str) -> Client:
    requests.post(f"{url}/_mock/reset", timeout=10).raise_for_status()
    return Client.login(url)


def me(client: Client) -> str:
    found = client.session.get(f"{client.url}/restapi/v1.0/account/~/extension/~", timeout=10)
    return str(found.json()["id"])


def row_until(
    client: Client, subscription: str, wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The subscription's row of the newest change, once `wanted` says so (the gateway writes
    asynchronously)."""
    deadline = time.monotonic() + 10
    while True:
        answer = requests.get(
            f"{client.url}/_mock/events/explain",
            params={"extensionId": me(client), "subscriptionId": subscription},
            timeout=10,
        ).json()
        rows = [r for c in answer["changes"][:1] for r in c["subscriptions"]]
        if rows and wanted(rows[0]):
            return dict(rows[0])
        assert time.monotonic() < deadline, answer
        time.sleep(0.1)


def test_a_closed_socket_then_the_recovery_that_delivered(client: Client) -> None:
    socket = client.connect()
    token = socket.receive()[0]["wsc"]["token"]
    subscription = socket.subscribe()[1]["id"]
    client.flip_status()
    socket.wait_for("ServerNotification")
    assert row_until(client, subscription, lambda r: r["reason"] == "delivered")["transport"] == (
        "WebSocket"
    )
    socket.close()
    time.sleep(0.3)  # the gateway notices the close
    client.flip_status()
    closed = row_until(client, subscription, lambda r: r["reason"] != "pending")
    assert closed["reason"] == "socketClosed" and "recovery" in closed["detail"]
    again = client.connect(wsc=token)
    assert again.receive()[1]["recoveryState"] == "Successful"
    again.wait_for("ServerNotification")
    got = row_until(client, subscription, lambda r: r["reason"] == "delivered")
    assert got["delivered"] and got["sessionId"]
    again.close()


def test_a_websocket_chaos_rule(client: Client) -> None:
    socket = client.connect()
    socket.receive()
    subscription = socket.subscribe()[1]["id"]
    rules = {"rules": [{"operation": "webSocketSession", "fault": "reset", "next": 1}]}
    assert requests.put(f"{client.url}/_mock/chaos", json=rules, timeout=10).status_code == 200
    try:
        client.flip_status()
        got = row_until(client, subscription, lambda r: r["reason"] != "pending")
    finally:
        requests.delete(f"{client.url}/_mock/chaos", timeout=10)
    assert got["reason"] == "chaosRule" and got["fault"] == "reset"
    socket.close()


def test_a_client_that_stops_reading(client: Client) -> None:
    extension = me(client)
    path = f"/restapi/v1.0/account/~/extension/{extension}/presence"
    got = not_reading_row(client, path, int(extension))
    assert got["reason"] == "notReading" and not got["delivered"]
    assert "outbox overflowed" in got["detail"] and got["transport"] == "WebSocket"
    # What follows waits for a recovery of the session the gateway cut.
    client.flip_status()
    after = row_until(client, got["subscriptionId"], lambda r: r["reason"] != "pending")
    assert after["reason"] == "socketClosed"


def test_listen_explains_a_websocket_subscription(client: Client) -> None:
    """`listen --explain-subscription ID`: why a change did not reach another subscription,
    here WebSocket ones: a chaos rule, the closed socket after it, a client that stopped
    reading."""
    mine = me(client)
    own, deaf = [u.id for u in quiet_users(account()) if str(u.id) != mine][:2]
    # The non-reader first: its few hundred changes come before the other subscription is.
    unread = not_reading_row(client, f"{API}/{deaf}/presence", deaf)["subscriptionId"]
    socket = client.connect()
    socket.receive()
    broken = socket.subscribe()[1]["id"]
    rules = {"rules": [{"operation": "webSocketSession", "fault": "reset", "next": 1}]}
    assert requests.put(f"{client.url}/_mock/chaos", json=rules, timeout=10).status_code == 200
    try:
        client.flip_status()
        row_until(client, broken, lambda r: r["reason"] == "chaosRule")
    finally:
        requests.delete(f"{client.url}/_mock/chaos", timeout=10)
    client.flip_status()
    row_until(client, broken, lambda r: r["reason"] == "socketClosed")
    args = argparse.Namespace(
        target=client.url,
        filters=[f"{API}/{own}/presence"],
        client_id=None,
        client_secret=None,
        jwt=None,
        json=False,
        count=1,
        receiver_host="127.0.0.1",
        receiver_port=0,
        explain=False,
        explain_subscriptions=[broken, unread],
    )
    out = io.StringIO()
    thread = threading.Thread(target=run_listen, args=(args, demo_credentials(), out), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    wanted = [
        f"subscription={broken} (WebSocket) not delivered (chaosRule): a chaos rule",
        f"subscription={broken} (WebSocket) not delivered (socketClosed): the socket is closed",
        f"subscription={unread} (WebSocket) not delivered (notReading): the client does not read",
    ]
    while not all(line in out.getvalue() for line in wanted):
        assert time.monotonic() < deadline, out.getvalue()
        time.sleep(0.1)
    client.flip_status(f"{API}/{own}/presence")  # the listener's own event: it stops
    thread.join(10)
    assert not thread.is_alive()
    assert "userStatus=" in out.getvalue().splitlines()[-1]
