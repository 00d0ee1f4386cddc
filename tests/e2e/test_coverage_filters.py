"""`presence-mock coverage` counts the event filters a client subscribed with (decision COV-2),
over REST (a WebHook subscription) and over the gateway's socket (a WebSocket one), from the
request journal of a live `serve`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import requests

from presence_mock_kit.receiver import WebhookReceiver
from tests.support.live_server import COMMAND, serving
from tests.support.ws_client import ME, Client

DETAILED = "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true"
ACCOUNT = "/restapi/v1.0/account/~/presence"
SIP = "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true&sipData=true"


def test_coverage_counts_the_filters_of_both_transports(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2") as url, WebhookReceiver() as hook:
        client = Client.login(url)
        body = {
            "eventFilters": [DETAILED, ACCOUNT],
            "deliveryMode": {"transportType": "WebHook", "address": hook.url},
        }
        made = client.session.post(f"{url}/restapi/v1.0/subscription", json=body, timeout=10)
        assert made.status_code == 200, made.text
        socket = client.connect()
        socket.receive()
        socket.subscribe([ME, SIP])
        socket.close()
        out = tmp_path / "coverage.json"
        subprocess.run(
            [COMMAND, "coverage", "--url", url, "--json", str(out)],
            check=True,
            capture_output=True,
        )
        report = json.loads(out.read_text())
        journal = requests.get(f"{url}/_mock/requests", timeout=30).json()["records"]
    assert report["eventFilters"] == {DETAILED: 1, ACCOUNT: 1, ME: 1, SIP: 1}
    over_socket = [e for e in journal if e.get("transport") == "WebSocket"]
    assert [(e["method"], e["status"], e["eventFilters"]) for e in over_socket] == [
        ("POST", 200, [ME, SIP])
    ]
