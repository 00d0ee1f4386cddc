"""An event raised by a PUT that any worker answered reaches a
socket the gateway holds (`serve --workers 4`, the SQLite store), and with two replicas sharing
Redis, a PUT through one reaches the sockets of both."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.support.live_server import serving, two_replicas
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name
from tests.support.seed import PRESENCE, user_ids
from tests.support.ws_client import Client, Socket

ACCOUNT = "/restapi/v1.0/account/~/presence"


def flip_all(client: Client, ids: list[int]) -> dict[str, str]:
    """Change each extension's presence from 8 threads (new connections, so whichever worker
    takes them); what each was set to, by extension ID."""
    with ThreadPoolExecutor(8) as pool:
        done = pool.map(lambda i: client.flip_status(PRESENCE.format(i)), ids)
        return dict(zip([str(i) for i in ids], done, strict=True))


def collect(socket: Socket, count: int) -> dict[str, str]:
    found: dict[str, str] = {}
    while len(found) < count:
        body = socket.wait_for("ServerNotification", timeout=10)[1]["body"]
        found[body["extensionId"]] = body["userStatus"]
    return found


def test_puts_answered_by_any_of_four_workers_reach_the_socket(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "4") as url:
        client = Client.login(url)
        socket = client.connect()
        socket.receive()
        socket.subscribe([ACCOUNT])
        ids = user_ids(60)[:16]
        expected = flip_all(client, ids)
        assert collect(socket, len(ids)) == expected
        socket.close()


def test_a_put_through_one_replica_reaches_the_sockets_of_both(
    redis_server: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    with two_replicas(tmp_path, redis_server, 14) as (first, second):
        one, two = Client.login(first), Client.login(second)
        assert one.gateway()["port"] != two.gateway()["port"]
        sockets = []
        for client in (one, two):
            socket = client.connect()
            socket.receive()
            socket.subscribe([ACCOUNT])
            sockets.append(socket)
        ids = user_ids(60)[:6]
        expected = flip_all(one, ids)  # every PUT through the first replica
        for socket in sockets:
            assert collect(socket, len(ids)) == expected
        # A socket on the second replica, with a token the first issued (the store holds it).
        token = one.ws_token()
        token["uri"] = two.gateway()["websocket"]
        socket = one.connect(token=token)
        assert socket.receive()[0]["type"] == "ConnectionDetails"
        socket.subscribe([ACCOUNT])
        expected = flip_all(one, ids[:2])
        assert collect(socket, 2) == expected
        for each in (*sockets, socket):
            each.close()
