"""The gateway's bounds (docs/security.md, "Gateway bounds"): a client that does not read is
cut, a Heartbeat too big to echo closes the socket, filters per subscription are capped on both
transports, pings are not put off by a client's chatter, and a revoked OAuth session's sockets
are closed and get nothing more. Against a live `serve`, with real WebSocket clients."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from websockets.exceptions import ConnectionClosed

from mockserver.gateway import bounds
from mockserver.gateway.bounds import Outbox
from mockserver.gateway.socket_sessions import Sessions
from mockserver.platform.wstokens import WsGrant
from tests.support.live_server import COMMAND, serving
from tests.support.ws_client import ME, Client, NonReader, Socket

MIB = 1 << 20
TOO_MANY = [ME] * 1001  # one more than a subscription takes (duplicates are counted as given)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("bounds"), "--workers", "2") as found:
        yield found


@pytest.fixture
def client(url: str) -> Client:
    return Client.login(url)


def non_reader(client: Client) -> NonReader:
    token = client.ws_token()
    return NonReader(f"{token['uri']}?access_token={token['ws_access_token']}")


def heartbeat(number: int, size: int = 100) -> str:
    """A Heartbeat frame of about `size` characters (a field the gateway echoes back whole)."""
    pad = "x" * max(0, size - 60)
    return json.dumps([{"type": "Heartbeat", "messageId": f"h-{number}", "pad": pad}])


def drain_until_closed(socket: Socket, timeout: float = 5.0) -> tuple[list[Any], int | None]:
    """Every frame until the gateway closes the socket, and its close code."""
    frames: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            frames.append(socket.receive(max(0.01, deadline - time.monotonic())))
    except ConnectionClosed as closed:
        return frames, closed.rcvd.code if closed.rcvd is not None else None
    raise AssertionError(f"the socket is still open after {timeout} s: {frames}")


# -- a client that does not read -------------------------------------------------------------
def test_a_client_that_never_reads_is_cut_once_its_outbox_is_full(client: Client) -> None:
    reader = non_reader(client)
    sent, number = 0, 0
    try:
        while sent < 100 * MIB:  # without the bound this goes on: every echo waits in memory
            number += 1
            text = heartbeat(number, 15_000)
            reader.send(text)
            sent += len(text)
    except OSError:
        pass  # reset: the gateway cut it
    assert sent < 100 * MIB, "never cut"
    # cut past the outbox (8 MiB) and what the kernel buffers on both sides hold
    assert sent >= bounds.OUTBOX_BYTES
    assert reader.ended(5)
    reader.close()
    # The gateway goes on serving others.
    socket = client.connect()
    assert socket.receive()[0]["type"] == "ConnectionDetails"
    socket.close()


# -- the echo --------------------------------------------------------------------------------
def test_a_heartbeat_too_big_to_echo_closes_the_socket_with_1009(client: Client) -> None:
    socket = client.connect()
    socket.receive()
    socket.connection.send(heartbeat(1, bounds.MAX_ECHO - 100))
    assert socket.receive()[0]["messageId"] == "h-1"  # under the cap: echoed whole
    socket.connection.send(heartbeat(2, bounds.MAX_ECHO + 100))
    frames, code = drain_until_closed(socket)
    assert frames == [] and code == 1009


# -- filters per subscription ----------------------------------------------------------------
def test_too_many_filters_are_refused_over_the_socket(client: Client) -> None:
    socket = client.connect()
    socket.receive()
    body = {"eventFilters": TOO_MANY, "deliveryMode": {"transportType": "WebSocket"}}
    meta, answer = socket.request("POST", "/restapi/v1.0/subscription", body)
    assert meta["status"] == 400 and answer["errorCode"] == "CMN-101"
    assert answer["errors"][0]["parameterName"] == "eventFilters"
    assert "1000" in answer["message"]
    # the most it takes is taken; an update with too many is refused the same way
    _, info = socket.subscribe([ME] * 1000)
    path = f"/restapi/v1.0/subscription/{info['id']}"
    meta, answer = socket.request("PUT", path, {"eventFilters": TOO_MANY}, "m-2")
    assert meta["status"] == 400 and answer["errorCode"] == "CMN-101"
    socket.close()


def test_too_many_filters_are_refused_over_rest(client: Client) -> None:
    body: dict[str, Any] = {
        "eventFilters": TOO_MANY,
        "deliveryMode": {"transportType": "WebHook", "address": "http://127.0.0.1:9/hook"},
    }
    answer = client.session.post(f"{client.url}/restapi/v1.0/subscription", json=body, timeout=10)
    assert answer.status_code == 400, answer.text
    assert answer.json()["errorCode"] == "CMN-101"
    assert answer.json()["errors"][0]["parameterName"] == "eventFilters"
    body["eventFilters"] = ["/restapi/v1.0/account/~/extension/~/presence?" + "x" * 1100]
    answer = client.session.post(f"{client.url}/restapi/v1.0/subscription", json=body, timeout=10)
    assert answer.status_code == 400 and answer.json()["errorCode"] == "CMN-101"


# -- pings -----------------------------------------------------------------------------------
def test_a_chattering_client_that_never_answers_pings_is_closed(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "1", "--gateway-ping", "1") as url:
        client = Client.login(url)
        reader = non_reader(client)
        # A reading client answers the pings (its library does) and stays.
        socket = client.connect()
        socket.receive()
        cut_after = None
        started = time.monotonic()
        try:
            while time.monotonic() - started < 6:  # aiohttp's own heartbeat: never, here
                reader.send(heartbeat(1))  # small and slow: the outbox stays far from full
                time.sleep(0.1)
        except OSError:
            cut_after = time.monotonic() - started
        assert cut_after is not None or reader.ended(0.5), "a chattering non-reader stays"
        reader.close()
        socket.send([{"type": "Heartbeat", "messageId": "still"}])
        assert socket.wait_for("Heartbeat")[0]["messageId"] == "still"
        socket.close()


def test_the_ping_interval_is_checked() -> None:
    found = subprocess.run(
        [COMMAND, "serve", "--gateway-ping", "0"], capture_output=True, text=True, timeout=30
    )
    assert found.returncode == 2
    assert "--gateway-ping" in found.stderr and "Traceback" not in found.stderr


# -- revoke ----------------------------------------------------------------------------------
def credentials() -> dict[str, str]:
    return dict(json.loads(subprocess.check_output([COMMAND, "credentials", "--json"])))


def test_revoke_closes_the_sessions_sockets_and_nothing_more_is_sent(client: Client) -> None:
    other = Client.login(client.url)  # another OAuth session of the same user: unaffected
    revoked, kept = client.connect(), other.connect()
    revoked.receive(), kept.receive()
    _, info = revoked.subscribe()
    kept.subscribe()
    other.flip_status()
    revoked.wait_for("ServerNotification")
    kept.wait_for("ServerNotification")

    access = client.session.headers["Authorization"].split()[1]
    found = credentials()
    answer = requests.post(
        f"{client.url}/restapi/oauth/revoke",
        data={"token": access},
        auth=(found["clientId"], found["clientSecret"]),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    other.flip_status()  # after the revoke: the kept session hears of it, the revoked never

    frames, code = drain_until_closed(revoked)
    assert code == bounds.REVOKED[0]
    assert [f[0]["type"] for f in frames] == ["Error"]
    assert frames[0][1]["errorCode"] == "OAU-213" and frames[0][0]["status"] == 401
    kept.wait_for("ServerNotification")
    kept.close()
    # The session is gone at once with its subscription (no recovery without the OAuth session).
    listed = other.session.get(f"{client.url}/restapi/v1.0/subscription", timeout=10).json()
    assert info["id"] not in [s["id"] for s in listed["records"]]


# -- memory of a session ---------------------------------------------------------------------
def test_an_outbox_past_its_bound_calls_for_the_cut_once_and_lets_go() -> None:
    async def run() -> None:
        cuts: list[int] = []
        outbox = Outbox(lambda: cuts.append(1), max_bytes=1000, max_frames=5)
        for _ in range(4):
            outbox.put("x" * 200)
        assert outbox.size == 800 and not outbox.full
        outbox.put("x" * 300)  # past 1000 characters
        assert cuts == [1] and outbox.full and outbox.size == 0
        outbox.put("more")
        assert cuts == [1] and outbox.size == 0  # nothing more is kept, no second cut
        frames = Outbox(lambda: cuts.append(2), max_bytes=1000, max_frames=5)
        for _ in range(6):
            frames.put("y")
        assert cuts == [1, 2] and frames.size == 0

    asyncio.run(run())


def test_a_revoked_session_is_forgotten_at_once() -> None:
    sessions = Sessions()
    grant = WsGrant(1, 2, "app", "oauth")
    session, _ = sessions.open(grant, 0.0, lambda text: None, None)
    session.subscription, session.subscription_id = object(), "s-1"
    sessions.refresh()
    sessions.forget([session])
    assert sessions.by_token == {} and sessions.subscribed == ()
