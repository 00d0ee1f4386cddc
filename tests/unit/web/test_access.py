"""One access rule for every control surface (mockserver/access.py), on both servers: the REST
app's `/_mock/*` and everything the gateway serves but its WebSocket. The Host names the server
(DNS rebinding), `--controls off|token` locks the event stream too, a control that changes state
answers its own origin only and takes JSON bodies, no answer allows any origin, every answer
says `nosniff`, and the gateway's health shows its process to no web page of another site.

The gateway runs in this process on a free loopback port (its aiohttp application, as `serve`
forks it), beside a Flask app sharing its emulator.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from aiohttp import web

from mockserver import access
from mockserver.config import ConfigError, Settings
from mockserver.emulator import Emulator
from mockserver.gateway.app import Gateway
from mockserver.gateway.core import Core
from mockserver.web.app import create_app
from tests.support.answers import assert_error
from tests.support.calls_helpers import quiet_users
from tests.support.login import basic_auth
from tests.support.paths import REPO

ROOT = REPO
EVIL = "http://evil.example"
SECRET = "s3cret-controls-token"
API = "/restapi/v1.0/account/~/extension/~/presence"


# -- the Host rule -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8080",
        "LOCALHOST.:1",
        "board.localhost:8080",
        "127.0.0.1",
        "127.0.0.1:8080",
        "[::1]:8080",
        "[::1]",
        "192.0.2.10:8080",  # an IP literal: a rebinding page reaches us by its own name
        "[2001:db8::1]:80",
    ],
)
def test_loopback_names_and_ip_literals_are_this_server(host: str) -> None:
    assert access.host_allowed(host, Settings())


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8080",
        "localhost.evil.example",
        "127.0.0.1.nip.io:8080",
        "127.1",  # a browser sends 127.0.0.1; only a name looks like this
        "2130706433",
        "",
        "a b",
        "user@localhost",
        "localhost/x",
        "[::1",
    ],
)
def test_other_names_are_refused(host: str) -> None:
    assert not access.host_allowed(host, Settings())


def test_allowed_hosts_take_names_and_patterns_and_the_bind_name() -> None:
    settings = Settings(allowed_hosts="presence-mock, *.ci.internal,Board?.lan")
    for host in ("presence-mock:8080", "PRESENCE-MOCK", "a.ci.internal", "board1.lan:80"):
        assert access.host_allowed(host, settings), host
    for host in ("presence-mock.evil", "ci.internal", "board12.lan"):
        assert not access.host_allowed(host, settings), host
    assert access.host_allowed("mock.box:8080", Settings(host="mock.box"))
    assert access.host_allowed("anything.at.all", Settings(allowed_hosts="*"))


@pytest.mark.parametrize("given", ["bad host", "a,b/c", "x@y"])
def test_an_allowed_host_that_is_no_pattern_is_refused_at_start(given: str) -> None:
    with pytest.raises(ConfigError, match="--allowed-hosts"):
        create_app(Settings(allowed_hosts=given))


def test_the_environment_and_the_flag_set_allowed_hosts() -> None:
    from mockserver.cli.main import _parser, settings_from

    assert Settings.from_env({"PRESENCE_MOCK_ALLOWED_HOSTS": "a,b"}).allowed_hosts == "a,b"
    args = _parser().parse_args(["serve", "--allowed-hosts", "mock,*.lan"])
    assert settings_from(args).allowed_hosts == "mock,*.lan"


@pytest.fixture
def rest(emulator: Emulator) -> Iterator[Any]:
    emulator.reset()
    emulator.clock.reset()
    client = create_app(emulator=emulator).test_client()
    yield client
    client.post("/_mock/board/switch", json={"enabled": True})  # it outlives a reset
    client.delete("/_mock/activity")
    emulator.reset()
    emulator.clock.reset()


# One route of each family the REST app serves.
FAMILIES = [
    ("GET", API),
    ("POST", "/restapi/oauth/token"),
    ("GET", "/_mock/health"),
    ("GET", "/_mock/clock"),
    ("POST", "/_mock/reset"),
    ("GET", "/_mock/board"),
    ("GET", "/_mock/board/static/board.js"),
    ("GET", "/_mock/board/setup"),
    ("GET", "/"),
    ("GET", "/nothing/here"),
]


@pytest.mark.parametrize(("method", "path"), FAMILIES)
def test_a_rebound_name_is_refused_on_every_route_of_the_rest_app(rest, method, path) -> None:
    answer = rest.open(path, method=method, headers={"Host": "evil.example:8080"})
    body = assert_error(answer, 421, "CMN-101")
    assert "--allowed-hosts" in body["message"] and "evil.example" in body["message"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_an_allowed_name_is_served() -> None:
    client = create_app({"allowed_hosts": "presence-mock"}).test_client()
    assert client.get("/_mock/clock", headers={"Host": "presence-mock:8080"}).status_code == 200
    assert client.get("/_mock/clock", headers={"Host": "other:8080"}).status_code == 421


def test_the_in_process_mode_is_not_judged_by_host() -> None:
    from mockserver.inprocess import PresenceMock

    with PresenceMock() as mock:  # answers for the platform's own host names
        answer = requests.get("https://platform.ringcentral.com/_mock/clock", timeout=5)
        assert answer.status_code == 200
        assert mock is not None


# -- state-changing controls: same origin, JSON bodies -------------------------------------------
def _writes(emulator: Emulator) -> list[tuple[str, str, dict[str, Any] | None]]:
    account = emulator.directory.accounts[0]
    user, callee = quiet_users(account)[:2]
    return [
        ("POST", "/_mock/calls", {"from": "+16505550100", "to": str(callee.number)}),
        ("POST", "/_mock/clock", {"advance": 3600}),
        ("POST", "/_mock/reset", None),
        ("POST", f"/_mock/presence/{user.id}", {"dndStatus": "DoNotAcceptAnyCalls"}),
        ("POST", "/_mock/activity", {"name": "office-day"}),
        ("DELETE", "/_mock/activity", None),
        ("POST", f"/_mock/board/extensions/{user.id}/presence", {"userStatus": "Busy"}),
        ("POST", "/_mock/board/switch", {"enabled": False}),
        ("PUT", "/_mock/chaos", {"rules": [{"fault": "503"}]}),
        ("DELETE", "/_mock/chaos", None),
    ]


def _state(client: Any, emulator: Emulator) -> dict[str, Any]:
    user = _writes(emulator)[3][1].rsplit("/", 1)[1]
    row = client.get(f"/_mock/board/extensions/{user}").get_json()["presence"]
    return {
        "clock": client.get("/_mock/clock").get_json()["offset"],
        "switch": client.get("/_mock/board/switch").get_json(),
        "activity": client.get("/_mock/activity").get_json(),
        "chaos": client.get("/_mock/chaos").get_json(),
        "calls": client.get("/_mock/calls").get_json(),
        "presence": {k: row.get(k) for k in ("userStatus", "dndStatus", "message")},
        "events": client.get("/_mock/event-log").get_json()["last"],
    }


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Origin": "http://localhost:9999"},  # another port is another origin
        {"Origin": "http://127.0.0.1"},  # another host name of the same machine, too
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
    ],
)
def test_a_cross_site_write_changes_nothing(rest, emulator, headers) -> None:
    before = _state(rest, emulator)
    for method, path, body in _writes(emulator):
        answer = rest.open(path, method=method, json=body, headers=headers)
        assert_error(answer, 403, "CMN-101")
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert _state(rest, emulator) == before


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", None],
)
def test_a_body_that_is_not_declared_json_changes_nothing(rest, emulator, content_type) -> None:
    """What a form or a no-cors fetch can send, even with no Origin (an old browser)."""
    before = _state(rest, emulator)
    for method, path, _ in _writes(emulator):
        data = b'{"advance": 3600, "enabled": false, "name": "office-day"}'
        answer = rest.open(path, method=method, data=data, content_type=content_type)
        assert_error(answer, 415, "CMN-101")
    assert _state(rest, emulator) == before


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, requests, the CLI, the kit: no Origin
        {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},  # the board's page
        {"Sec-Fetch-Site": "none"},  # typed by the user
    ],
)
def test_own_origin_and_command_line_writes_are_served(rest, emulator, headers) -> None:
    for method, path, body in _writes(emulator):
        answer = rest.open(path, method=method, json=body, headers=headers)
        assert answer.status_code < 400, (path, answer.get_data(as_text=True))
    assert rest.post("/_mock/board/switch", json={"enabled": True}).status_code == 200
    assert rest.post("/_mock/reset").status_code == 200  # no body: no content type needed
    answer = rest.post("/_mock/clock", data=b'{"advance": 1}', content_type="application/json")
    assert answer.status_code == 200


def test_reads_and_the_platform_api_are_not_write_checked(rest, emulator) -> None:
    assert rest.get("/_mock/clock", headers={"Origin": EVIL}).status_code == 200
    token = rest.post(
        "/restapi/oauth/token",
        data={"grant_type": "password", "username": "x", "password": "y"},
        headers={"Authorization": basic_auth(emulator.directory), "Origin": EVIL},
    )
    assert token.status_code == 400  # the grant's own refusal, not the control rule's


def test_under_token_a_cross_site_write_is_refused_even_with_the_secret() -> None:
    client = create_app({"controls": "token", "controls_token": SECRET}).test_client()
    bearer = {"Authorization": f"Bearer {SECRET}"}
    answer = client.post("/_mock/reset", headers={**bearer, "Origin": EVIL})
    assert_error(answer, 403, "CMN-101")
    assert client.post("/_mock/reset", headers=bearer).status_code == 200
    assert_error(client.post("/_mock/reset"), 401, "AGW-402")


def test_under_token_unknown_controls_want_the_secret_too() -> None:
    client = create_app({"controls": "token", "controls_token": SECRET}).test_client()
    assert_error(client.get("/_mock/nothing"), 401, "AGW-402")
    assert client.get("/").status_code == 302  # the way to the board's shell
    assert client.get("/_mock/board").status_code == 200
    assert client.get("/_mock/board/static/board.js").status_code == 200
    assert_error(client.get("/_mock/board/setup"), 401, "AGW-402")


# -- nosniff, and no answer allows any origin ----------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", API, 401),
        ("POST", "/restapi/oauth/token", 400),
        ("GET", "/_mock/health", 200),
        ("GET", "/_mock/clock", 200),
        ("GET", "/_mock/board", 200),
        ("GET", "/_mock/board/static/board.js", 200),
        ("GET", "/_mock/board/static/board.css", 200),
        ("GET", "/_mock/board/setup", 200),
        ("GET", "/", 302),
        ("GET", "/nothing/here", 404),
        ("DELETE", "/_mock/clock", 405),
    ],
)
def test_every_answer_of_the_rest_app_says_nosniff(rest, method, path, status) -> None:
    headers = {"Origin": EVIL} if method == "GET" else {}  # a cross-site write is a 403
    answer = rest.open(path, method=method, headers=headers)
    assert answer.status_code == status
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_no_source_of_either_server_allows_any_origin() -> None:
    found = []
    for path in (ROOT / "mockserver").rglob("*.py"):
        text = path.read_text()
        if re.search(r"Access-Control-Allow-Origin\"?\s*[:=,]\s*\"\*\"", text):
            found.append(str(path))
    assert found == []


# -- the gateway ---------------------------------------------------------------------------------
@contextmanager
def gateway(emulator: Emulator) -> Iterator[str]:
    """The gateway's application on a free loopback port, in a thread of its own."""
    loop = asyncio.new_event_loop()
    # Open streams end when the runner stops (serve's gateway waits 2 s the same way).
    runner = web.AppRunner(Gateway(Core(emulator)).application(), shutdown_timeout=0.5)
    ready = threading.Event()
    port: list[int] = []

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield f"http://127.0.0.1:{port[0]}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def _emulator(**settings: Any) -> Emulator:
    return Emulator.from_settings(Settings(validate_responses=True, **settings))


def _open_stream(url: str, **kwargs: Any) -> requests.Response:
    answer = requests.get(f"{url}/_mock/stream", stream=True, timeout=5, **kwargs)
    answer.close()
    return answer


def test_the_stream_under_off_is_gone_and_health_stays() -> None:
    with gateway(_emulator(controls="off")) as url:
        answer = _open_stream(url)
        assert answer.status_code == 404
        answer = requests.get(f"{url}/_mock/stream", timeout=5)
        assert answer.json()["errorCode"] == "CMN-102"
        health = requests.get(f"{url}/_mock/health", timeout=5)
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}  # no process figures under off


def test_the_stream_under_token_wants_the_secret_or_a_ticket() -> None:
    emulator = _emulator(controls="token", controls_token=SECRET)
    app = create_app(emulator=emulator).test_client()
    with gateway(emulator) as url:
        assert _open_stream(url).status_code == 401
        assert requests.get(f"{url}/_mock/stream", timeout=5).json()["errorCode"] == "AGW-402"
        assert _open_stream(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
        opened = _open_stream(url, headers={"Authorization": f"Bearer {SECRET}"})
        assert opened.status_code == 200
        assert opened.headers["Content-Type"] == "text/event-stream"
        # What the board gets: a stream URL with a ticket, in the setup only the secret reads.
        setup = app.get("/_mock/board/setup", headers={"Authorization": f"Bearer {SECRET}"})
        stream = setup.get_json()["stream"]
        ticket = re.search(r"[?&]ticket=([^&]+)", stream).group(1)  # type: ignore[union-attr]
        assert _open_stream(url, params={"ticket": ticket}).status_code == 200
        expiry, _, mac = ticket.partition(".")
        for forged in (f"{int(expiry) + 5}.{mac}", f"{expiry}.{mac[:-2]}xx", "1.x", "x", ""):
            assert _open_stream(url, params={"ticket": forged}).status_code == 401, forged
        old = access.stream_ticket(emulator.settings, now=lambda: 1_000_000.0)
        assert _open_stream(url, params={"ticket": old}).status_code == 401
        other = access.stream_ticket(Settings(controls="token", controls_token="another-one"))
        assert _open_stream(url, params={"ticket": other}).status_code == 401
        assert requests.get(f"{url}/_mock/health", timeout=5).json() == {"status": "ok"}
        health = requests.get(
            f"{url}/_mock/health", headers={"Authorization": f"Bearer {SECRET}"}, timeout=5
        ).json()
        assert "pid" in health


def test_the_ticket_lives_ten_minutes_and_only_opens_the_stream() -> None:
    settings = Settings(controls="token", controls_token=SECRET)
    ticket = access.stream_ticket(settings, now=lambda: 1000.0)
    assert access.ticket_valid(settings, ticket, now=lambda: 1000.0 + 599)
    assert not access.ticket_valid(settings, ticket, now=lambda: 1000.0 + 601)
    asked = access.Asked("GET", "/_mock/clock", "localhost", ticket=ticket)
    assert isinstance(access.refusal(settings, asked), access.InvalidAuthorizationHeader)


def test_the_stream_under_on_answers_its_own_origin_only() -> None:
    with gateway(_emulator()) as url:
        plain = _open_stream(url)
        assert plain.status_code == 200
        assert "Access-Control-Allow-Origin" not in plain.headers
        board = _open_stream(url, headers={"Origin": "http://127.0.0.1:8080"})
        assert board.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8080"
        assert board.headers["Vary"] == "Origin"
        for origin in (EVIL, "http://localhost:8080", "null", "http://127.0.0.1.evil.example"):
            other = _open_stream(url, headers={"Origin": origin})
            assert "Access-Control-Allow-Origin" not in other.headers, origin
        bad = requests.get(
            f"{url}/_mock/stream", params={"after": "x"}, headers={"Origin": EVIL}, timeout=5
        )
        assert bad.status_code == 400 and "Access-Control-Allow-Origin" not in bad.headers


@pytest.mark.parametrize("path", ["/_mock/stream", "/_mock/health", "/_mock/nothing"])
def test_a_rebound_name_is_refused_by_the_gateway(path: str) -> None:
    with gateway(_emulator()) as url:
        answer = requests.get(f"{url}{path}", headers={"Host": "evil.example:8081"}, timeout=5)
        assert answer.status_code == 421
        assert answer.json()["errorCode"] == "CMN-101"
        assert "evil.example" in answer.json()["message"]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        allowed = requests.get(f"{url}/_mock/health", headers={"Host": "localhost:1"}, timeout=5)
        assert allowed.status_code == 200


def test_the_gateways_health_shows_its_process_to_no_other_site() -> None:
    with gateway(_emulator()) as url:
        health = f"{url}/_mock/health"
        own = requests.get(health, timeout=5)
        assert set(own.json()) == {"status", "sockets", "position", "pid"}
        for headers in (
            {"Origin": EVIL},
            {"Origin": "http://127.0.0.1:8080"},
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},
        ):
            answer = requests.get(health, headers=headers, timeout=5)
            assert answer.json() == {"status": "ok"}, headers
            assert "Access-Control-Allow-Origin" not in answer.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/_mock/health", 200),
        ("GET", "/_mock/stream", 200),
        ("GET", "/_mock/stream?after=x", 400),
        ("GET", "/_mock/nothing", 404),
        ("GET", "/nothing", 404),
        ("POST", "/_mock/health", 405),
        ("GET", "/ws", 401),  # the WebSocket without a token: the platform's own refusal
    ],
)
def test_every_answer_of_the_gateway_says_nosniff(method: str, path: str, status: int) -> None:
    with gateway(_emulator()) as url:
        answer = requests.request(method, f"{url}{path}", stream=True, timeout=5)
        if status != 200 or path != "/_mock/stream":
            answer.content  # noqa: B018 (read before the connection closes)
        answer.close()
        assert answer.status_code == status
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers.get("Access-Control-Allow-Origin") != "*"
        if status in (404, 405):
            assert answer.json()["errorCode"] in ("CMN-102", "CMN-101")


def test_the_gateway_websocket_is_not_judged_by_host() -> None:
    """Its token guards it, and wstoken's uri names the host the client used."""
    with gateway(_emulator()) as url:
        answer = requests.get(f"{url}/ws", headers={"Host": "evil.example"}, timeout=5)
        assert answer.status_code == 401
