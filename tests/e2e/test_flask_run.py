"""Flask's own CLI with the emulator's app: `flask routes` lists the operations, `flask run`
serves the seeded account to the official SDK and delivers WebHooks from a thread."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests
from ringcentral import SDK

from mockserver import create_app
from mockserver.operations import BY_ENDPOINT
from mockserver.platform.credentials import credential_jwt
from tests.support.live_server import free_port, running

API = "/restapi/v1.0/account/~"
FLASK = str(Path(sys.executable).parent / "flask")


def test_flask_routes_lists_every_operation_of_the_table() -> None:
    listed = subprocess.run(
        [FLASK, "--app", "mockserver", "routes"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    for endpoint in BY_ENDPOINT:
        assert endpoint in listed


def test_flask_run_serves_the_seeded_account_to_the_official_sdk(tmp_path) -> None:
    port = free_port()
    command = [FLASK, "--app", "mockserver", "run", "--port", str(port), "--no-reload"]
    with running(command, port, tmp_path) as url:
        app = create_app()  # the same seeded account: the same credentials
        directory = app.extensions["presence_mock"].directory
        client = directory.apps[0]
        platform = SDK(client.client_id, client.client_secret, url).platform()
        platform.login(jwt=credential_jwt(directory.accounts[0].administrator))
        me = platform.get(f"{API}/extension/~/presence").json_dict()
        assert me["extension"]["id"] == directory.accounts[0].administrator.id
        assert me["uri"].startswith(url)
        platform.logout()
        assert requests.get(f"{url}/_mock/health", timeout=5).json()["extensions"] >= 60


def test_flask_run_delivers_webhooks_from_a_thread(tmp_path) -> None:
    """`flask run` has no deliverer process; a thread delivers."""
    from presence_mock_kit.receiver import WebhookReceiver

    port = free_port()
    command = [FLASK, "--app", "mockserver", "run", "--port", str(port), "--no-reload"]
    with running(command, port, tmp_path) as url, WebhookReceiver() as hook:
        directory = create_app().extensions["presence_mock"].directory
        client = directory.apps[0]
        platform = SDK(client.client_id, client.client_secret, url).platform()
        platform.login(jwt=credential_jwt(directory.accounts[0].administrator))
        body = {
            "eventFilters": [f"{API}/extension/~/presence"],
            "deliveryMode": {"transportType": "WebHook", "address": hook.url},
        }
        platform.post("/restapi/v1.0/subscription", body)
        platform.put(f"{API}/extension/~/presence", {"userStatus": "Offline"})
        delivery = hook.wait_for(lambda d: d.json["body"]["userStatus"] == "Offline", timeout=10)
        assert delivery.header("User-Agent") == "RingCentral-Webhook/8.3"


def test_flask_run_plays_office_day(tmp_path: Path) -> None:
    port = free_port()
    command = [FLASK, "--app", "mockserver", "run", "--port", str(port), "--no-reload"]
    with running(command, port, tmp_path) as url:
        day = {"name": "office-day", "rate": 300}
        assert requests.post(f"{url}/_mock/activity", json=day, timeout=10).status_code == 200
        deadline = time.monotonic() + 20
        while requests.get(f"{url}/_mock/calls", timeout=10).json()["placed"] < 3:
            assert time.monotonic() < deadline, "the office never moved under flask run"
            time.sleep(0.2)
