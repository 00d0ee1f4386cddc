"""A store that goes away: every request answers 503 CMN-201 with Retry-After (not a 500), the
health check says the store is down at once, the log says the outage once when it starts and
once when it ends (not a line per request), and service comes back by itself.

Redis: a real redis-server of the test's own, stopped mid-test and started again on its port.
SQLite: another connection holds the write lock past the busy timeout, then lets it go.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from werkzeug.test import Client

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.events.log import LoggedChange
from mockserver.gateway import tail as tail_module
from mockserver.gateway.app import Gateway
from mockserver.gateway.core import Core
from mockserver.gateway.tail import Tail
from mockserver.storage import sqlite as sqlite_store
from mockserver.storage.outage import RETRY_AFTER, Outage
from mockserver.web.app import create_app
from mockserver.web.context import emulator_of
from tests.support.live_server import free_port
from tests.support.login import login
from tests.support.redis_server import no_redis_server, redis_server_binary, wait_for_redis

REQUESTS = 40
ME = "/restapi/v1.0/account/~/extension/~/presence"


class Redis:
    """A redis-server on a fixed loopback port that the test stops and starts."""

    def __init__(self, workdir: Path) -> None:
        binary = redis_server_binary()
        if binary is None:
            no_redis_server()
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = self.workdir / "redis.log"
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.workdir), "--logfile", str(log)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for_redis(self.port, self.process, log)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the log said beyond the one access line per request."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def _requests(client: Client, headers: dict[str, str]) -> list[int]:
    """REQUESTS requests of several kinds, reads and writes, API and controls; each 503 is the
    platform's CMN-201 with Retry-After. Their statuses."""
    statuses = []
    for index in range(REQUESTS):
        method, path = [
            ("GET", ME),
            ("PUT", ME),
            ("GET", "/_mock/calls"),
            ("POST", "/_mock/clock"),
            ("GET", "/restapi/v1.0/subscription"),
        ][index % 5]
        body = {"userStatus": "Busy"} if method == "PUT" else {"advance": 1}
        answer = client.open(path, method=method, headers=headers, json=body)
        statuses.append(answer.status_code)
        assert answer.status_code < 500 or answer.status_code == 503, answer.get_data()
        if answer.status_code == 503:
            assert answer.headers["Retry-After"] == str(RETRY_AFTER)
            error = answer.get_json()
            assert error["errorCode"] == "CMN-201"
            assert error["errors"][0]["message"] == "Service Temporary Unavailable"
    return statuses


def _assert_unavailable(client: Client, headers: dict[str, str]) -> None:
    assert set(_requests(client, headers)) == {503}


def _health(client: Client) -> tuple[int, dict[str, object], float]:
    started = time.perf_counter()
    answer = client.get("/_mock/health")
    return answer.status_code, answer.get_json(), time.perf_counter() - started


def test_redis_down_is_503_logged_once_and_service_returns(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(store=redis.url))
    app.testing = False  # errors answered as on a server
    client = app.test_client()
    assert client.get("/_mock/health").get_json()["store"] == "ok"
    directory = emulator_of(app).directory
    headers = login(client, directory, directory.accounts[0].administrator).headers()
    assert client.get(ME, headers=headers).status_code == 200

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="presence_mock"):
        redis.stop()  # the journal's flusher (a thread) may be the first to find it down
        _assert_unavailable(client, headers)
        status, body, seconds = _health(client)
    assert status == 503 and body.get("store") == "down", body
    assert body["errorCode"] == "CMN-201"
    print(f"health with Redis down answered in {seconds * 1000:.0f} ms")
    said = _outage_lines(caplog)
    assert len(said) == 1 and "store unavailable" in said[0], said

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="presence_mock"):
        redis.start()  # empty again (no persistence): the old token is gone, the service back
        status, body, _ = _health(client)
        assert status == 200 and body["store"] == "ok"
        for _ in range(REQUESTS):
            assert client.get(ME, headers=headers).status_code == 401  # not 503, not 500
    said = _outage_lines(caplog)
    assert len(said) == 1 and "store available again" in said[0], said
    headers = login(client, directory, directory.accounts[0].administrator).headers()
    assert client.get(ME, headers=headers).status_code == 200


def test_a_request_that_meets_the_outage_first_is_503_too(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """No health check in between: the first request to fail starts the outage."""
    app = create_app(Settings(store=redis.url))
    app.testing = False
    client = app.test_client()
    directory = emulator_of(app).directory
    headers = login(client, directory, directory.accounts[0].administrator).headers()
    redis.stop()
    with caplog.at_level(logging.INFO, logger="presence_mock"):
        answer = client.get(ME, headers=headers)
    assert answer.status_code == 503 and answer.get_json()["errorCode"] == "CMN-201"
    assert not [r for r in caplog.records if r.exc_info], "no traceback for an outage"


def test_a_locked_sqlite_file_is_503_and_comes_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the write lock past the busy timeout (made short here)."""
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "store.db"
    app = create_app(Settings(store=f"sqlite:///{path}"))
    app.testing = False
    client = app.test_client()
    directory = emulator_of(app).directory
    headers = login(client, directory, directory.accounts[0].administrator).headers()
    assert client.get(ME, headers=headers).status_code == 200
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.INFO, logger="presence_mock"):
        # Reads may still be answered (WAL, and the per-process cache); every write is a 503.
        statuses = _requests(client, headers)
        assert 503 in statuses and set(statuses) <= {200, 503}, statuses
        other.execute("ROLLBACK")
        other.close()
        status, body, _ = _health(client)
        assert status == 200 and body["store"] == "ok"
        answer = client.put(ME, headers=headers, json={"userStatus": "Busy"})
        assert answer.status_code == 200
    said = _outage_lines(caplog)
    assert len(said) == 2, said
    assert "store unavailable" in said[0] and "store available again" in said[1]


class _FailingLog:
    """An event log whose store fails `failures` times, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def last(self) -> int:
        return 0

    def _read(self) -> list[LoggedChange]:
        self.calls += 1
        if self.calls <= self.failures:
            raise sqlite3.OperationalError("database is locked")
        return []

    def wait(self, position: int, timeout: float, limit: int = 0) -> list[LoggedChange]:
        found = self._read()
        time.sleep(0.001)
        return found

    def after(self, position: int, limit: int = 0) -> list[LoggedChange]:
        return self._read()


def test_a_background_loop_says_an_outage_once_and_its_end_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gateway's tail of the event log (the deliverer, the player and the journal's flusher
    report the same way): 30 failed reads, one line; the first good read, one line."""
    monkeypatch.setattr(tail_module, "WAIT", 0.001)
    events = _FailingLog(30)
    outage = Outage(lambda: events.wait(0, 0), every=0.0)
    follower = Tail(events, lambda _: None, blocks=True, outage=outage)
    with caplog.at_level(logging.INFO, logger="presence_mock"):
        follower.start()
        deadline = time.monotonic() + 10
        while events.calls <= events.failures + 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        follower.stop()
    assert events.calls > events.failures
    said = _outage_lines(caplog)
    assert len(said) == 2, said
    assert "store unavailable" in said[0] and "store available again" in said[1]


def test_the_gateways_routes_answer_503_while_redis_is_down(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(store=redis.url))
    client = app.test_client()
    emulator = emulator_of(app)
    headers = login(client, emulator.directory, emulator.directory.accounts[0].administrator)
    token = client.post("/restapi/oauth/wstoken", headers=headers.headers()).get_json()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="presence_mock"):
        asyncio.run(_gateway_statuses(emulator, redis, token["ws_access_token"]))
    said = _outage_lines(caplog)
    assert len(said) == 1 and "store unavailable" in said[0], said
    assert not [r for r in caplog.records if r.exc_info], "no traceback for an outage"


async def _gateway_statuses(emulator: Emulator, redis: Redis, token: str) -> None:
    app = Gateway(Core(emulator)).application()
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        socket = await client.ws_connect(f"/ws?access_token={token}")
        await socket.receive_json(timeout=10)  # ConnectionDetails
        redis.stop()  # the gateway started with its store; now it is gone
        for path in ("/ws?access_token=anything", "/_mock/stream?after=0", "/_mock/stream"):
            async with client.get(path) as answer:
                assert answer.status == 503, path
                assert answer.headers["Retry-After"] == str(RETRY_AFTER)
                assert (await answer.json())["errorCode"] == "CMN-201"
        # A request over the open socket gets the REST answer of an outage.
        meta = {"type": "ClientRequest", "messageId": "m-1", "method": "POST"}
        meta["path"] = "/restapi/v1.0/subscription"
        body = {"eventFilters": [ME], "deliveryMode": {"transportType": "WebSocket"}}
        await socket.send_json([meta, body])
        reply = await socket.receive_json(timeout=10)
        assert reply[0]["status"] == 503 and reply[1]["errorCode"] == "CMN-201", reply
        await socket.close()
