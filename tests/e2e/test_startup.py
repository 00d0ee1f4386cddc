"""What `serve` says, end to end, with a real process on port 0: once its ports are bound, the
ports actually in use and a banner (REST, gateway, board, how to log in, docs); every request
line tagged with the worker that served it; a shutdown line as the last line, also when the
whole process group is stopped (as Ctrl-C at a terminal does: the gateway is then not
'restarted'); and a setting it refuses (a fault rule, a scenario or a fixture file) as the last
and only line, exit 2, before anything looks started."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.support.live_server import COMMAND

STARTED = "presence-mock docs:"  # the banner's last line
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _wait_for(log: Path, needle: str, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = log.read_text()
        if needle in text:
            return text
        assert process.poll() is None, text
        time.sleep(0.05)
    pytest.fail(f"{needle!r} never logged: {log.read_text()}")


def test_port_0_banner_worker_tags_and_a_shutdown_line(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_MOCK_")}
    command = [COMMAND, "serve", "--port", "0", "--gateway-port", "0", "--workers", "2"]
    with log.open("wb") as sink:
        # A session of its own: stopped below as a terminal's Ctrl-C stops a foreground job.
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        text = _wait_for(log, STARTED, process)
        rest = int(re.search(r"serving on http://127\.0\.0\.1:(\d+) with 2 worker", text)[1])  # type: ignore[index]
        gateway = int(re.search(r"gateway: ws://127\.0\.0\.1:(\d+)/ws, events at", text)[1])  # type: ignore[index]
        assert rest and gateway and rest != gateway
        url = f"http://127.0.0.1:{rest}"
        assert f"REST API: {url}/restapi/v1.0" in text
        assert f"board: {url}/" in text
        assert f"presence-mock credentials --url {url}" in text
        assert ":0 " not in text and ":0/" not in text
        # The ports named are the ones answering.
        assert requests.get(f"{url}/_mock/health", timeout=5).status_code == 200
        found = requests.get(f"{url}/_mock/gateway", timeout=5).json()
        assert found["websocket"] == f"ws://127.0.0.1:{gateway}/ws"
        deadline = time.monotonic() + 20
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{gateway}/_mock/health", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert health.status_code == 200
        requests.get(f"{url}/restapi/v1.0/account/~/presence", timeout=5)
        text = _wait_for(log, "/account/~/presence", process)
        [line] = [x for x in text.splitlines() if "GET /restapi/v1.0/account/~/presence" in x]
        assert re.match(r"^\S+ \S+\.\d{3} \[worker \d+\] GET ", line), line
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # every process of the server at once
        assert process.wait(timeout=30) == 0
    lines = log.read_text().splitlines()
    assert lines[-1].endswith(f"[serve] presence-mock: stopped (http://127.0.0.1:{rest})"), lines
    assert not [x for x in lines if "died" in x or "restart" in x], lines


def _refused(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_MOCK_")}
    done = subprocess.run(
        [COMMAND, "serve", "--port", "0", "--gateway-port", "0", "--workers", "2", *options],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert lines and lines[-1].startswith("presence-mock: "), lines
    assert len(lines) == 1, lines  # nothing that looks like a start before it
    assert "Traceback" not in done.stderr and done.stdout == ""
    return done


def test_a_bad_fault_rule_is_the_only_line(tmp_path: Path) -> None:
    done = _refused(tmp_path, "--fault", "noSuchOperation=503")
    assert "--fault" in done.stderr and "noSuchOperation" in done.stderr


def test_a_missing_or_broken_scenario_is_refused_before_start(tmp_path: Path) -> None:
    done = _refused(tmp_path, "--scenario", "no-such-scenario.yaml")
    assert "--scenario" in done.stderr and "no-such-scenario.yaml" in done.stderr
    (tmp_path / "broken.yaml").write_text("steps: [\n")
    done = _refused(tmp_path, "--scenario", "broken.yaml")
    assert "--scenario" in done.stderr


def test_a_missing_or_broken_fixture_is_refused_before_start(tmp_path: Path) -> None:
    done = _refused(tmp_path, "--fixture", "no-such-fixture.json")
    assert "no-such-fixture.json" in done.stderr
    (tmp_path / "broken.json").write_text("{")
    done = _refused(tmp_path, "--fixture", "broken.json")
    assert "broken.json" in done.stderr


def test_a_bad_gateway_public_url_is_refused(tmp_path: Path) -> None:
    done = _refused(tmp_path, "--gateway-public-url", "localhost:18081")
    assert "--gateway-public-url" in done.stderr


def test_lines_of_two_workers_come_in_the_order_the_requests_were_served(tmp_path: Path) -> None:
    """A login and the PUT it authorises, over and over, each on a connection of its own (so
    either worker may serve either), at a script's pace: every line is written before its
    answer, so the log reads in the order the requests were made."""
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_MOCK_")}
    command = [COMMAND, "serve", "--port", "0", "--gateway-port", "0", "--workers", "2"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    try:
        text = _wait_for(log, STARTED, process)
        rest = re.search(r"serving on (http://127\.0\.0\.1:\d+) ", text)[1]  # type: ignore[index]
        credentials = json.loads(
            subprocess.check_output([COMMAND, "credentials", "--json"], env=env, timeout=60)
        )
        for round_ in range(12):
            token = requests.post(
                f"{rest}/restapi/oauth/token",
                data={"grant_type": JWT_GRANT, "assertion": credentials["jwt"]},
                auth=(credentials["clientId"], credentials["clientSecret"]),
                headers={"Connection": "close"},
                timeout=10,
            ).json()["access_token"]
            requests.put(
                f"{rest}/restapi/v1.0/account/~/extension/~/presence?round={round_}",
                json={"userStatus": "Busy"},
                headers={"Authorization": f"Bearer {token}", "Connection": "close"},
                timeout=10,
            ).raise_for_status()
        text = _wait_for(log, "presence?round=11", process)
    finally:
        process.terminate()
        process.wait(timeout=30)
    served = [
        line
        for line in text.splitlines()
        if "POST /restapi/oauth/token" in line or "/extension/~/presence?round=" in line
    ]
    kinds = ["token" if "oauth/token" in line else "put" for line in served]
    assert kinds == ["token", "put"] * 12, "\n".join(served)
    rounds = [int(line.split("round=")[1].split()[0]) for line in served if "round=" in line]
    assert rounds == list(range(12))
