"""Issue 13, item 4 ("a worker that dies loses no event that another can deliver"): `serve`
restarts its gateway process when it dies. Killed outright (SIGKILL) under a live `serve`, the
new gateway delivers to a WebHook every change made before, during and after the outage, each
exactly once and in order, and takes new WebSocket clients."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from presence_mock_kit.receiver import WebhookReceiver
from tests.live_server import serving
from tests.ws_client import ME, Client

pytestmark = pytest.mark.e2e


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

        # New sockets are served; an old session is not known to the new gateway (the limit
        # docs/decisions.md names): its `wsc` fails and the client subscribes again.
        again = client.connect(wsc=token)
        details = again.receive()[1]
        assert (details["recoveryState"], details["recoveryErrorCode"]) == ("Failed", "WSG-1005")
        again.subscribe()
        status = client.flip_status()
        assert again.wait_for("ServerNotification", timeout=10)[1]["body"]["userStatus"] == status
        again.close()
        assert new != old
    log = next(tmp_path.glob("serve-*.log")).read_text()
    assert f"presence-mock gateway (pid {old}) died" in log
    assert f"presence-mock gateway restarted (pid {new})" in log
