"""The WebSocket gateway of a live `serve`, driven frame by frame with a plain
WebSocket client (docs/contract.md#subscriptions-websocket)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator

import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.support.live_server import serving
from tests.support.ws_client import ME, Client, Socket, wait_for_journal


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("gateway"), "--workers", "2") as found:
        yield found


@pytest.fixture
def client(url: str) -> Client:
    requests.post(f"{url}/_mock/clock", json={"offset": 0, "freeze": False}, timeout=10)
    return Client.login(url)


def change(client: Client) -> str:
    """A PUT that changes the caller's presence (its userStatus flips), so one event fires;
    the status it set."""
    return client.flip_status()


# -- the upgrade ------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["", "?access_token=nope"])
def test_a_bad_token_is_refused_with_401_and_an_error_body(client: Client, query: str) -> None:
    uri = client.gateway()["websocket"]
    with pytest.raises(InvalidStatus) as refused:
        connect(uri + query, proxy=None, open_timeout=10)
    response = refused.value.response
    assert response.status_code == 401
    body = json.loads(response.body)
    assert body["errorCode"] == "OAU-213"
    assert body["errors"][0]["errorCode"] == "OAU-213"


def test_an_expired_token_is_refused(client: Client) -> None:
    token = client.ws_token()
    client.move_clock(601)
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{token['uri']}?access_token={token['ws_access_token']}", proxy=None)
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body)["errorCode"] == "OAU-128"


def test_the_wstoken_uri_is_the_gateway(client: Client) -> None:
    token = client.ws_token()
    assert token["uri"] == client.gateway()["websocket"]
    assert token["uri"].startswith("ws://127.0.0.1:") and token["uri"].endswith("/ws")


def test_connection_details_come_first(client: Client) -> None:
    socket = client.connect()
    meta, body = socket.receive()
    assert meta["type"] == "ConnectionDetails"
    assert meta["status"] == 200
    assert meta["wsc"]["sequence"] == 1 and meta["wsc"]["token"]
    assert {k: body[k] for k in body if k != "creationTime"} == {
        "maxConnectionsPerSession": 50,
        "recoveryBufferSize": 100,
        "recoveryTimeout": 180,
        "idleTimeout": 1800,
        "absoluteTimeout": 86400,
        "maxActiveRequests": 10,
    }
    assert body["creationTime"].endswith("+0000")  # the sample's offset, no colon
    socket.close()


def test_a_bearer_header_on_the_upgrade_is_accepted(client: Client) -> None:
    token = client.ws_token()  # as the PHP SDK does it: the bare uri and a header
    headers = {"Authorization": f"Bearer {token['ws_access_token']}"}
    socket = Socket(connect(token["uri"], proxy=None, additional_headers=headers))
    assert socket.receive()[0]["type"] == "ConnectionDetails"
    socket.close()


# -- requests over the socket -----------------------------------------------------------------
def test_subscribe_receive_update_and_delete(client: Client) -> None:
    socket = client.connect()
    wsc = socket.receive()[0]["wsc"]
    meta, info = socket.subscribe()
    assert meta["type"] == "ClientRequest" and meta["status"] == 200
    assert meta["headers"]["WSG-SubscriptionId"] == info["id"]
    assert info["deliveryMode"]["transportType"] == "WebSocket"
    assert info["uri"] == f"/restapi/v1.0/subscription/{info['id']}"  # relative over the socket
    assert info["expiresIn"] == 86399
    assert "~" not in info["eventFilters"][0]

    note = change(client)
    head, envelope = socket.wait_for("ServerNotification")
    assert head["status"] == 200
    assert head["wsc"] == {"token": wsc["token"], "sequence": 2}
    assert envelope["subscriptionId"] == info["id"]
    assert envelope["event"] == info["eventFilters"][0]
    assert envelope["body"]["userStatus"] == note
    assert envelope["ownerId"] == envelope["body"]["ownerId"] == envelope["body"]["extensionId"]
    assert envelope["timestamp"].endswith("Z")

    # /_mock/events shows it (docs/contract.md#delivered-events-journal)
    journal = wait_for_journal(client, info["id"], 1)
    assert journal[0]["transport"] == "WebSocket" and journal[0]["delivered"] is True
    assert journal[0]["event"] == envelope

    detailed = info["eventFilters"][0] + "?detailedTelephonyState=true"
    body = {"eventFilters": [detailed], "deliveryMode": {"transportType": "WebSocket"}}
    meta, updated = socket.request("PUT", info["uri"], body, message_id="m-2")
    assert meta["status"] == 200 and "WSG-SubscriptionId" not in meta["headers"]
    assert updated["eventFilters"] == [detailed]
    change(client)
    assert socket.wait_for("ServerNotification")[1]["event"] == detailed

    reply = socket.request("DELETE", info["uri"], message_id="m-3")
    assert len(reply) == 1 and reply[0]["status"] == 204
    change(client)
    with pytest.raises(TimeoutError):
        socket.wait_for("ServerNotification", timeout=1.0)
    socket.close()


def test_one_subscription_per_connection(client: Client) -> None:
    socket = client.connect()
    socket.receive()
    first = socket.subscribe()[1]
    second = socket.subscribe()[1]
    assert first["id"] != second["id"]
    change(client)
    assert socket.wait_for("ServerNotification")[1]["subscriptionId"] == second["id"]
    gone = client.session.get(f"{client.url}/restapi/v1.0/subscription/{first['id']}", timeout=10)
    assert gone.status_code == 404
    socket.close()


def test_a_reset_ends_the_subscriptions_of_open_sockets(client: Client) -> None:
    socket = client.connect()
    socket.receive()
    socket.subscribe()
    change(client)
    socket.wait_for("ServerNotification")
    requests.post(f"{client.url}/_mock/reset", timeout=10).raise_for_status()
    time.sleep(1.5)  # a sweep of the gateway
    with contextlib.suppress(TimeoutError):  # what the reset itself changed may come first
        while True:
            socket.wait_for("ServerNotification", timeout=0.3)
    change(client)
    with pytest.raises(TimeoutError):  # A's decision: no subscriptions after a reset
        socket.wait_for("ServerNotification", timeout=1.0)
    socket.send([{"type": "Heartbeat", "messageId": "h-1"}])  # the socket itself stays
    assert socket.wait_for("Heartbeat")[0]["messageId"] == "h-1"
    socket.subscribe()
    change(client)
    socket.wait_for("ServerNotification")
    socket.close()


def test_requests_the_gateway_does_not_serve_get_the_platform_errors(client: Client) -> None:
    socket = client.connect()
    socket.receive()
    meta, body = socket.request("GET", "/restapi/v1.0/account/~/presence")
    assert meta["status"] == 404 and body["errorCode"] == "CMN-102"
    meta, body = socket.request("PUT", "/restapi/v1.0/subscription/other", {"eventFilters": [ME]})
    assert meta["status"] == 404
    refused = {"eventFilters": [ME], "deliveryMode": {"transportType": "PubNub"}}
    meta, body = socket.request("POST", "/restapi/v1.0/subscription", refused)
    assert meta["status"] == 400 and body["errorCode"]
    socket.close()


def test_heartbeats_are_echoed_and_malformed_frames_get_wsg_808(client: Client) -> None:
    socket = client.connect()
    socket.receive()
    socket.send([{"type": "Heartbeat", "messageId": "h-1"}])
    meta = socket.receive()[0]
    assert (meta["type"], meta["messageId"], meta["status"]) == ("Heartbeat", "h-1", 200)
    for bad in ("not json", "{}", "[]", '[{"type": "Nonsense"}]', '[{"type": "ClientRequest"}]'):
        socket.connection.send(bad)
        meta, body = socket.receive()
        assert meta["type"] == "Error" and meta["status"] == 400
        assert body["errorCode"] == "WSG-808"
    socket.connection.send(json.dumps([{"type": "ClientRequest", "messageId": "x"}, None]))
    assert socket.receive()[1]["errorCode"] == "WSG-808"  # NET #57: a null body
    socket.send([{"type": "Heartbeat", "messageId": "h-2"}])  # still open
    assert socket.receive()[0]["messageId"] == "h-2"
    socket.close()


# -- recovery (docs/contract.md#websocket-recovery) -------------------------------------------
def test_recovery_replays_what_was_missed(client: Client) -> None:
    socket = client.connect()
    token = socket.receive()[0]["wsc"]["token"]
    subscription = socket.subscribe()[1]["id"]
    change(client)
    sequence = socket.wait_for("ServerNotification")[0]["wsc"]["sequence"]
    socket.close()
    time.sleep(0.3)  # the gateway notices the close
    missed = [change(client) for _ in range(3)]
    time.sleep(0.5)
    again = client.connect(wsc=token)
    meta, details = again.receive()
    assert details["recoveryState"] == "Successful" and "recoveryErrorCode" not in details
    assert meta["wsc"]["token"] == token
    replayed = [again.wait_for("ServerNotification") for _ in missed]
    assert [n[1]["body"]["userStatus"] for n in replayed] == missed
    assert [n[1]["body"]["sequence"] for n in replayed] == list(
        range(replayed[0][1]["body"]["sequence"], replayed[0][1]["body"]["sequence"] + 3)
    )
    assert [n[0]["wsc"]["sequence"] for n in replayed] == [sequence + 1, sequence + 2, sequence + 3]
    assert {n[1]["subscriptionId"] for n in replayed} == {subscription}
    note = change(client)  # and it goes on
    assert again.wait_for("ServerNotification")[1]["body"]["userStatus"] == note
    # Journalled as they went out: the first, the three replayed, the last.
    journal = wait_for_journal(client, subscription, 5)
    assert [e["event"]["body"]["userStatus"] for e in journal][1:4] == missed
    again.close()


def test_recovery_keeps_the_last_100(client: Client) -> None:
    socket = client.connect()
    token = socket.receive()[0]["wsc"]["token"]
    socket.subscribe()
    socket.close()
    time.sleep(0.3)
    notes = [change(client) for _ in range(103)]
    time.sleep(1.0)
    again = client.connect(wsc=token)
    assert again.receive()[1]["recoveryState"] == "Successful"
    replayed = [again.wait_for("ServerNotification")[1]["body"] for _ in range(100)]
    assert [body["userStatus"] for body in replayed] == notes[3:]
    last = replayed[-1]["sequence"]
    assert [body["sequence"] for body in replayed] == list(range(last - 99, last + 1))
    with pytest.raises(TimeoutError):  # the oldest three were dropped, not sent late
        again.wait_for("ServerNotification", timeout=0.5)
    again.close()


def test_recovery_fails_after_the_timeout_without_a_subscription_or_from_another_session(
    client: Client, url: str
) -> None:
    socket = client.connect()
    bare = socket.receive()[0]["wsc"]["token"]
    socket.close()  # no subscription: nothing to recover
    time.sleep(0.3)
    again = client.connect(wsc=bare)
    details = again.receive()[1]
    assert (details["recoveryState"], details["recoveryErrorCode"]) == ("Failed", "WSG-1005")
    # a Failed socket works: the client subscribes again (docs/contract.md#websocket-recovery)
    again.subscribe()
    again.close()

    socket = client.connect()
    token = socket.receive()[0]["wsc"]["token"]
    socket.subscribe()
    socket.close()
    time.sleep(0.3)
    other = Client.login(url)  # a new OAuth session of the same user
    details = other.connect(wsc=token).receive()[1]
    assert (details["recoveryState"], details["recoveryErrorCode"]) == ("Failed", "WSG-1003")

    client.move_clock(181)  # past recoveryTimeout on the emulator's clock
    time.sleep(1.5)  # a sweep of the gateway
    details = client.connect(wsc=token).receive()[1]
    assert (details["recoveryState"], details["recoveryErrorCode"]) == ("Failed", "WSG-1005")


def test_a_malformed_recovery_token_closes_the_socket(client: Client) -> None:
    socket = client.connect(wsc="not%20a%20token")
    meta, body = socket.receive()
    assert meta["type"] == "Error" and body["errorCode"] == "WSG-400"
    with pytest.raises(ConnectionClosed):
        socket.receive()


# -- timeouts on the emulator's clock (docs/contract.md#websocket-timeouts) --------------------
def test_the_idle_timeout_ends_the_socket_with_wsg_902(client: Client) -> None:
    socket = client.connect()
    socket.receive()
    client.move_clock(1801)
    body = socket.wait_for("Error", timeout=4)[1]
    assert body["errorCode"] == "WSG-902"
    with pytest.raises(ConnectionClosed):
        socket.receive()


def test_messages_keep_it_open_until_the_absolute_timeout_wsg_903(client: Client) -> None:
    socket = client.connect()
    socket.receive()
    socket.subscribe()
    for step in range(52):  # 52 x 1700 s > 86400 s, never 1800 s without a message
        client.move_clock(1700)
        socket.send([{"type": "Heartbeat", "messageId": f"h-{step}"}])
        meta, *body = socket.wait_for("Heartbeat") if step < 50 else socket.receive()
        if meta["type"] == "Error":
            break
    else:
        meta, *body = socket.wait_for("Error", timeout=4)
    assert body[0]["errorCode"] == "WSG-903"
    with pytest.raises(ConnectionClosed):
        socket.wait_for("Nothing", timeout=4)


def test_a_live_sessions_subscription_is_renewed_on_the_emulator_clock(client: Client) -> None:
    socket = client.connect()
    socket.receive()
    info = socket.subscribe()[1]
    for step in range(27):  # 27 x 1700 s: past half of its 86399 s, never idle for 1800 s
        client.move_clock(1700)
        socket.send([{"type": "Heartbeat", "messageId": f"h-{step}"}])
        socket.wait_for("Heartbeat")
    time.sleep(1.5)  # a sweep of the gateway
    fresh = Client.login(client.url)  # the first login's access token expired meanwhile
    url = f"{client.url}/restapi/v1.0/subscription/{info['id']}"
    read = fresh.session.get(url, timeout=10).json()
    assert read["expiresIn"] > 86399 - 100, read  # renewed from the emulator's now
    assert read["expirationTime"] > info["expirationTime"]
    change(fresh)
    assert socket.wait_for("ServerNotification")[1]["subscriptionId"] == info["id"]
    socket.close()


# -- the board's event stream (decision WS-15) ------------------------------------------------
def test_the_event_stream_sends_each_logged_change(client: Client) -> None:
    stream = client.gateway()["stream"]
    before = requests.get(stream.replace("/_mock/stream", "/_mock/health"), timeout=5).json()
    with requests.get(stream, params={"after": before["position"]}, stream=True, timeout=10) as sse:
        assert sse.headers["Content-Type"] == "text/event-stream"
        assert "Access-Control-Allow-Origin" not in sse.headers  # no origin asked, none allowed
        note = change(client)
        lines = sse.iter_lines(decode_unicode=True)
        event: dict[str, str] = {}
        for line in lines:
            if line.startswith(("event:", "id:", "data:")):
                key, _, value = line.partition(": ")
                event[key] = value
            if "data" in event and json.loads(event["data"])["body"].get("userStatus") == note:
                break
            if not line:
                event = {}
    assert event["event"] == "presence"
    data = json.loads(event["data"])
    assert int(event["id"]) == data["position"] > before["position"]
    assert set(data) == {"position", "extensionId", "sequence", "time", "body"}


def test_the_stream_refuses_a_bad_after(client: Client) -> None:
    answer = requests.get(client.gateway()["stream"], params={"after": "x"}, timeout=5)
    assert answer.status_code == 400 and answer.json()["errorCode"] == "CMN-101"
