"""What the gateway says of a matched WebSocket notification that did not go out
(docs/explain.md): a closed socket, a client that does not read, a chaos rule that broke the
socket; read back over REST (`GET /_mock/events/explain`). The gateway's delivery step is
driven in process, with sessions whose sockets are stand-ins."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from mockserver.chaos import Fault, Plan
from mockserver.emulator import Emulator
from mockserver.events.subscriptions import Subscription
from mockserver.gateway.app import Gateway
from mockserver.gateway.bounds import Outbox
from mockserver.gateway.core import Core
from mockserver.gateway.socket_sessions import Notice, Session
from mockserver.platform.tokens import Caller
from mockserver.platform.wstokens import WsGrant
from tests.support.login import Api
from tests.support.subscriptions import MINE, websocket_subscription


@pytest.fixture
def gateway(emulator: Emulator, client: Client) -> Iterator[Gateway]:
    core = Core(emulator)
    yield Gateway(core)
    core.close()


def session_of(subscription: Subscription, send: Any) -> Session:
    grant = WsGrant(subscription.account_id, subscription.extension_id, "app", "oauth")
    session = Session(grant, 0.0, 0.0, send)
    session.subscription, session.subscription_id = subscription, subscription.id
    return session


def notices(gateway: Gateway, emulator: Emulator, admin: Api, count: int) -> list[Notice]:
    """`count` changes of the admin's presence, as notices for its subscription."""
    subscription = gateway.core.subscriptions.list(gateway.core.caller(_grant(admin)))[0]
    start = emulator.events.log.last()
    for _ in range(count):
        now = admin.get(MINE).get_json()["userStatus"]
        admin.put(MINE, {"userStatus": "Busy" if now != "Busy" else "Available"})
    found = []
    for change in emulator.events.log.after(start):
        envelope = gateway.core.envelope(subscription, change)
        assert envelope is not None
        found.append(Notice(envelope, change.position))
    return found


def _grant(admin: Api) -> WsGrant:
    return WsGrant(admin.owner.account_id, admin.owner.id, "", "oauth")


def explained(client: Client, gateway: Gateway, admin: Api) -> list[dict[str, Any]]:
    """The admin's subscription's row of each change it was weighed for, newest first (what
    the gateway queued written first)."""
    gateway.core.close()
    answer = client.get("/_mock/events/explain", query_string={"extensionId": admin.owner.id})
    changes = answer.get_json()["changes"]
    return [c["subscriptions"][0] for c in changes if c["subscriptions"]]


@pytest.fixture
def mine(emulator: Emulator, admin: Api, gateway: Gateway) -> Subscription:
    made = websocket_subscription(emulator, admin)
    # The gateway's caller for the admin is the demo app's: list it under that app.
    gateway.core.caller = lambda grant: Caller(  # type: ignore[method-assign]
        made.account_id, made.extension_id, made.client_id, True, made.permissions, 0
    )
    return made


def test_a_closed_socket_keeps_the_notification_for_recovery(
    client: Client, emulator: Emulator, admin: Api, gateway: Gateway, mine: Subscription
) -> None:
    [notice] = notices(gateway, emulator, admin, 1)
    session = session_of(mine, None)  # dropped: no socket
    gateway._deliver([(session, notice, None)], [], 0.0)
    [got] = explained(client, gateway, admin)
    assert got["reason"] == "socketClosed" and not got["delivered"]
    assert "recovery" in got["detail"] and got["transport"] == "WebSocket"
    assert [n.position for _, n in session.missed] == [notice.position]


def test_a_client_that_does_not_read(
    client: Client, emulator: Emulator, admin: Api, gateway: Gateway, mine: Subscription
) -> None:
    first, second = notices(gateway, emulator, admin, 2)
    outbox = Outbox(lambda: None, max_frames=1)
    session = session_of(mine, outbox.put)
    session.reading = lambda: not outbox.full
    gateway._deliver([(session, first, None), (session, second, None)], [], 0.0)
    newest, oldest = explained(client, gateway, admin)
    assert newest["reason"] == "notReading" and "outbox" in newest["detail"]
    assert oldest["reason"] == "delivered"  # the first went in; the second overflowed
    journal = [e["position"] for e in emulator.events.delivered.entries()]
    assert journal == [first.position]


def test_a_chaos_rule_that_breaks_the_socket(
    client: Client, emulator: Emulator, admin: Api, gateway: Gateway, mine: Subscription
) -> None:
    [notice] = notices(gateway, emulator, admin, 1)
    sent: list[str] = []
    session = session_of(mine, sent.append)

    def hang_up(fault: Fault, stall: float, now: float) -> None:
        session.send = None  # what the gateway's hang-up does to the session

    session.hang_up = hang_up
    gateway._deliver([(session, notice, Plan(fault=Fault.RESET))], [], 0.0)
    [got] = explained(client, gateway, admin)
    assert got["reason"] == "chaosRule" and got["fault"] == "reset" and sent == []
    assert "webSocketSession" in got["detail"]


def test_a_revoked_oauth_session_closes_the_socket_for_good(
    client: Client, emulator: Emulator, admin: Api, gateway: Gateway, mine: Subscription
) -> None:
    start = emulator.events.log.last()
    notices(gateway, emulator, admin, 1)
    [change] = emulator.events.log.after(start)
    sent: list[str] = []
    session = session_of(mine, sent.append)  # its OAuth session ("oauth") is in no store
    gateway.sessions.by_token[session.token] = session
    gateway.sessions.refresh()
    loop = asyncio.new_event_loop()
    gateway._loop = loop  # the delivery is handed to a loop that never runs here
    try:
        gateway._on_changes([change])
    finally:
        loop.close()
    [got] = explained(client, gateway, admin)
    assert got["reason"] == "socketClosed" and "revoked" in got["detail"] and sent == []


def test_a_late_notification_whose_socket_closed_meanwhile(
    client: Client, emulator: Emulator, admin: Api, gateway: Gateway, mine: Subscription
) -> None:
    [notice] = notices(gateway, emulator, admin, 1)
    session = session_of(mine, None)  # the socket closed while a latency rule held it back
    gateway._deliver_late(session, notice)
    [got] = explained(client, gateway, admin)
    assert got["reason"] == "socketClosed"
