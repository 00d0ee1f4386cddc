"""`--gateway-public-url`: where clients reach the gateway when its port is published under
another number (a container) or behind a proxy. wstoken's `uri`, `/_mock/gateway` and the
board's event stream are all built on it; without it they name the request's host and the
gateway's own port."""

from __future__ import annotations

import pytest
from flask import Flask

from mockserver.config import ConfigError, Settings
from mockserver.emulator import Emulator
from mockserver.web.app import create_app
from tests.support.login import login


def _app(url: str | None) -> tuple[Flask, Emulator]:
    emulator = Emulator.from_settings(Settings(gateway_public_url=url))
    app = create_app(emulator=emulator)
    app.testing = True
    return app, emulator


@pytest.mark.parametrize(
    ("given", "websocket", "stream"),
    [
        ("ws://localhost:18081", "ws://localhost:18081/ws", "http://localhost:18081/_mock/stream"),
        (
            "http://localhost:18081/",
            "ws://localhost:18081/ws",
            "http://localhost:18081/_mock/stream",
        ),
        ("https://mock.test/gw", "wss://mock.test/gw/ws", "https://mock.test/gw/_mock/stream"),
        ("wss://[::1]:9443", "wss://[::1]:9443/ws", "https://[::1]:9443/_mock/stream"),
    ],
)
def test_every_gateway_link_is_built_on_the_public_url(given, websocket, stream):
    app, emulator = _app(given)
    client = app.test_client()
    directory = emulator.directory
    api = login(client, directory, directory.accounts[0].administrator)
    token = client.post("/restapi/oauth/wstoken", headers=api.headers()).get_json()
    assert token["uri"] == websocket
    links = client.get("/_mock/gateway").get_json()
    assert links["websocket"] == websocket and links["stream"] == stream
    assert links["port"] == 8081  # where the gateway itself listens
    assert client.get("/_mock/board/setup").get_json()["stream"] == stream


def test_without_it_the_links_name_the_request_host_and_the_gateway_port():
    app, _ = _app(None)
    links = app.test_client().get("/_mock/gateway", headers={"Host": "localhost:18080"})
    assert links.get_json()["websocket"] == "ws://localhost:8081/ws"


@pytest.mark.parametrize(
    "bad", ["localhost:18081", "ftp://host", "ws://", "ws://host:99999", "ws://h/?x=1", "ws://u@h"]
)
def test_a_bad_public_url_is_one_line_naming_the_setting(bad):
    with pytest.raises(ConfigError) as raised:
        Settings(gateway_public_url=bad)
    message = str(raised.value)
    assert "--gateway-public-url / PRESENCE_MOCK_GATEWAY_PUBLIC_URL" in message
    assert "\n" not in message
