"""A worker that dies loses no event that another can deliver (decisions WS-18, WS-19): `serve`
restarts its gateway process when it dies. Killed outright (SIGKILL) under a live `serve`, the
new gateway delivers to a WebHook every change made before, during and after the outage, each
exactly once and in order; a WebSocket client comes back with its `wsc` and gets what it
missed; new WebSocket clients are served."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from presence_mock_kit.receiver import WebhookReceiver
from tests.support.live_server import serving
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name
from tests.support.ws_client import ME, Client


def gateway_pid(client: Client, other_than: int | None = None) -> int:
    health = client.gateway()["health"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            pid = int(requests.get(health, timeout=2).json()["pid"])
            if pid != other_than:
                return pid
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail("no gateway answered")


def test_a_killed_gateway_is_restarted_and_loses_no_webhook_event(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2") as url, WebhookReceiver() as hook:
        client = Client.login(url)
        body = {
            "eventFilters": [ME],
            "deliveryMode": {"transportType": "WebHook", "address": hook.url},
        }
        made = client.session.post(f"{url}/restapi/v1.0/subscription", json=body, timeout=10)
        assert made.status_code == 200, made.text
        statuses = [client.flip_status() for _ in range(3)]
        hook.wait_for_count(3, timeout=15)
        time.sleep(0.5)  # the deliverer has recorded its cursor
        old = gateway_pid(client)
        socket = client.connect()
        token = socket.receive()[0]["wsc"]["token"]
        socket.subscribe()
        time.sleep(1.5)  # the gateway's sweep has written the session to the store

        os.kill(old, signal.SIGKILL)
        statuses += [client.flip_status() for _ in range(3)]  # during the outage
        new = gateway_pid(client, other_than=old)
        statuses += [client.flip_status() for _ in range(3)]  # after it

        got = hook.wait_for_count(9, timeout=30)
        time.sleep(1.5)  # a duplicate would have come by now
        bodies = [d.json["body"] for d in hook.deliveries]
        assert len(hook.deliveries) == len(got) == 9
        assert [b["userStatus"] for b in bodies] == statuses
        sequences = [b["sequence"] for b in bodies]
        assert sequences == sorted(sequences) and max(Counter(sequences).values()) == 1

        # The session outlives its gateway (it is in the store): the client comes back with
        # its `wsc` and gets what the outage and the time after it brought, then live ones.
        again = client.connect(wsc=token)
        meta, details = again.receive()
        assert details["recoveryState"] == "Successful", details
        assert meta["wsc"]["token"] == token
        replayed = [again.wait_for("ServerNotification", timeout=10) for _ in range(6)]
        assert [n[1]["body"]["userStatus"] for n in replayed] == statuses[3:]
        assert [n[0]["wsc"]["sequence"] for n in replayed] == list(range(2, 8))
        status = client.flip_status()
        assert again.wait_for("ServerNotification", timeout=10)[1]["body"]["userStatus"] == status
        again.close()
        fresh = client.connect()  # and new sockets are served
        fresh.receive()
        fresh.subscribe()
        status = client.flip_status()
        assert fresh.wait_for("ServerNotification", timeout=10)[1]["body"]["userStatus"] == status
        fresh.close()
        assert new != old
    log = next(tmp_path.glob("serve-*.log")).read_text()
    assert f"presence-mock gateway (pid {old}) died" in log
    assert f"presence-mock gateway restarted (pid {new})" in log


def test_a_session_dropped_on_one_replica_is_recovered_on_the_other(
    redis_server: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Two replicas on one Redis: a client whose socket on the first dropped comes back on the
    second with its `wsc`, within the recovery timeout, and gets what it missed; the first,
    when its copy of the session times out, leaves the subscription to the second."""
    store = f"{redis_server}/13"
    import redis

    redis.Redis.from_url(store).flushdb()
    with (
        serving(tmp_path, "--workers", "1", "--store", store) as first,
        serving(tmp_path, "--workers", "1", "--store", store) as second,
    ):
        one, two = Client.login(first), Client.login(second)
        socket = one.connect()
        token = socket.receive()[0]["wsc"]["token"]
        socket.subscribe()
        status = one.flip_status()
        assert socket.wait_for("ServerNotification")[1]["body"]["userStatus"] == status
        socket.close()
        missed = [one.flip_status() for _ in range(2)]
        time.sleep(1.5)  # the first replica's sweep has written the drop
        ws_token = one.ws_token()  # the same OAuth session, the other replica's gateway
        ws_token["uri"] = two.gateway()["websocket"]
        again = one.connect(wsc=token, token=ws_token)
        meta, details = again.receive()
        assert meta["wsc"]["token"] == token
        assert details["recoveryState"] == "Successful", details
        replayed = [again.wait_for("ServerNotification") for _ in missed]
        assert [n[1]["body"]["userStatus"] for n in replayed] == missed
        assert [n[0]["wsc"]["sequence"] for n in replayed] == [3, 4]
        one.move_clock(181)  # the first replica's copy of the session times out
        time.sleep(2.5)
        status = two.flip_status()  # the subscription lives on, on the second replica
        assert again.wait_for("ServerNotification")[1]["body"]["userStatus"] == status
        again.close()
