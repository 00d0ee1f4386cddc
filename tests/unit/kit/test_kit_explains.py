"""The kit's explanation of an event that did not come (docs/explain.md): the emulator's words
when the target is the emulator, nothing when the target has no such endpoint."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from mockserver import PresenceMock
from presence_mock_kit.explained import explanation
from tests.support.live_server import free_port

SERVER = "https://platform.ringcentral.com"
MINE = "/restapi/v1.0/account/~/extension/~/presence"


class NotFound(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def other_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def test_the_emulator_says_why() -> None:
    with PresenceMock() as mock:
        creds = mock.credentials
        token = requests.post(
            f"{SERVER}/restapi/oauth/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": creds["jwt"],
            },
            auth=(creds["clientId"], creds["clientSecret"]),
            timeout=5,
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        body = {
            "eventFilters": [MINE],
            "deliveryMode": {"transportType": "WebHook", "address": mock.webhook(lambda _: 429)},
        }
        sid = requests.post(f"{SERVER}/restapi/v1.0/subscription", json=body, headers=headers)
        subscription = sid.json()["id"]
        me = requests.get(f"{SERVER}/restapi/v1.0/account/~/extension/~", headers=headers).json()
        now = requests.get(f"{SERVER}{MINE}", headers=headers).json()["userStatus"]
        new = "Busy" if now != "Busy" else "Available"
        requests.put(f"{SERVER}{MINE}", json={"userStatus": new}, headers=headers)
        said = explanation(SERVER, subscription, str(me["id"]))
        assert said.startswith("; the emulator says: ") and f"ext {me['id']}" in said
        assert "rate: the receiver is rate limiting (429)" in said
        assert "weighed this subscription for no change" in explanation(SERVER, "nobody")


def test_another_server_adds_nothing(other_server: str) -> None:
    assert explanation(other_server, "some-subscription", "101") == ""


def test_an_unreachable_server_adds_nothing() -> None:
    assert explanation(f"http://127.0.0.1:{free_port()}", "s") == ""
