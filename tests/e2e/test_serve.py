"""End to end: a real `presence-mock serve` process on a loopback port, driven with plain HTTP
and with the official `ringcentral` Python SDK logging in with the printed credentials."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.live_server import COMMAND, free_port
from tests.support.login import sdk_platform


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    # Started by hand rather than with live_server.serving: this one reads its port from
    # PRESENCE_MOCK_PORT, so the environment twin is exercised end to end.
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "PRESENCE_MOCK_VALIDATE_RESPONSES": "1", "PRESENCE_MOCK_PORT": str(port)}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [COMMAND, "serve"], stdout=sink, stderr=subprocess.STDOUT, env=env
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/_mock/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
            assert process.poll() is None, log.read_text()
        else:
            pytest.fail(f"presence-mock serve did not answer: {log.read_text()}")
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def credentials() -> dict[str, str]:
    printed = subprocess.run([COMMAND, "credentials", "--json"], capture_output=True, check=True)
    return json.loads(printed.stdout)


@pytest.fixture
def platform(server, credentials):
    url, _ = server
    requests.post(f"{url}/_mock/reset", timeout=5).raise_for_status()
    platform = sdk_platform(url, credentials)
    yield platform
    requests.post(f"{url}/_mock/reset", timeout=5)


def test_credentials_are_the_same_on_every_run(credentials):
    again = subprocess.run([COMMAND, "credentials", "--json"], capture_output=True, check=True)
    assert json.loads(again.stdout) == credentials
    assert set(credentials) == {"clientId", "clientSecret", "jwt", "serverUrl", "users"}


def test_sdk_reads_own_presence_with_python_booleans(platform):
    answer = platform.get(
        "/restapi/v1.0/account/~/extension/~/presence",
        {"detailedTelephonyState": True, "sipData": True},
    )
    body = answer.json_dict()
    assert body["presenceStatus"] in {"Available", "Busy", "Offline"}
    assert isinstance(body["activeCalls"], list)
    assert platform.auth().data()["owner_id"] == str(body["extension"]["id"])


def test_sdk_reads_a_batch_through_multipart(platform):
    listing = platform.get("/restapi/v1.0/account/~/presence", {"perPage": 5}).json_dict()
    ids = [r["extension"]["id"] for r in listing["records"]]
    answer = platform.get(f"/restapi/v1.0/account/~/extension/{','.join(map(str, ids))}/presence")
    parts = answer.multipart()
    assert [part.json_dict()["extension"]["id"] for part in parts] == ids
    assert all(part.ok() for part in parts)


def test_sdk_updates_presence_and_reads_it_back(platform):
    path = "/restapi/v1.0/account/~/extension/~/presence"
    answer = platform.put(path, {"userStatus": "Offline", "message": "Back at 2"})
    assert answer.json().presenceStatus == "Offline"
    assert platform.get(path).json().message == "Back at 2"


def test_sdk_sees_platform_errors(platform):
    with pytest.raises(Exception, match="CMN-102"):
        platform.get("/restapi/v1.0/account/~/extension/1/presence")


def test_sdk_logs_out(platform, server):
    token = platform.auth().access_token()
    platform.logout()
    answer = requests.get(
        f"{server[0]}/restapi/v1.0/account/~/extension/~/presence",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert answer.json()["errorCode"] == "OAU-213"


def test_plain_http_batch_and_401(server):
    url, _ = server
    answer = requests.get(f"{url}/restapi/v1.0/account/~/presence", timeout=5)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="RingCentral REST API"'


def test_one_log_line_per_request(server):
    url, log = server
    marker = f"/restapi/v1.0/nothing-{time.time_ns()}"
    requests.get(url + marker, timeout=5)
    deadline = time.monotonic() + 5  # lines are written in batches, every 0.1 s
    lines: list[str] = []
    while not lines and time.monotonic() < deadline:
        time.sleep(0.1)
        lines = [line for line in log.read_text().splitlines() if marker in line]
    time.sleep(0.3)  # a second copy, if any, would be written by now
    lines = [line for line in log.read_text().splitlines() if marker in line]
    assert len(lines) == 1
    assert "GET" in lines[0] and "404" in lines[0]


def test_contract_command_passes_on_a_live_server(server):
    url, _ = server
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGCENTRAL_")}
    done = subprocess.run(
        [COMMAND, "contract", "--target", url, "--allow-writes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "47 passed" in done.stdout
    assert f"target: {url}" in done.stdout
    assert "using the emulator's demo credentials" in done.stderr
