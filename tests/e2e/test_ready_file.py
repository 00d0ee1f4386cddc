"""`serve --ready-file PATH`: the file appears when both servers answer and goes when it stops."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import requests

from tests.support.live_server import COMMAND, free_port


def _wait_for(path: Path, process: subprocess.Popen[bytes], log: Path) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            found = dict(json.loads(path.read_text()))
        except FileNotFoundError:
            found = {}
        if found.get("pid") == process.pid:  # not the earlier run's
            return found
        time.sleep(0.05)
    raise AssertionError(f"no ready file: {log.read_text()}")


def test_ready_file_names_servers_that_answer_and_goes_at_shutdown(tmp_path: Path):
    ready = tmp_path / "ready.json"
    ready.write_text('{"url": "http://127.0.0.1:1", "pid": 1}')  # an earlier run's
    log = tmp_path / "serve.log"
    # The environment twin, and port 0 for both servers: the file is how a script learns them.
    env = {**os.environ, "PRESENCE_MOCK_READY_FILE": str(ready), "PRESENCE_MOCK_GATEWAY_PORT": "0"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [COMMAND, "serve", "--port", "0", "--workers", "1"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        found = _wait_for(ready, process, log)
        assert requests.get(f"{found['url']}/_mock/health", timeout=5).status_code == 200
        assert requests.get(f"{found['gatewayUrl']}/_mock/health", timeout=5).status_code == 200
        assert found["websocketUrl"] == str(found["gatewayUrl"]).replace("http", "ws") + "/ws"
        assert requests.get(str(found["boardUrl"]), timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert not ready.exists()


def test_ready_file_in_a_missing_directory_is_refused_before_start(tmp_path: Path):
    where = tmp_path / "nowhere" / "ready.json"
    done = subprocess.run(
        [
            COMMAND,
            "serve",
            "--port",
            str(free_port()),
            "--gateway-port",
            "0",
            "--workers",
            "1",
            "--ready-file",
            str(where),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("presence-mock: --ready-file ") and "no such directory" in lines[-1]
    assert "serving on" not in done.stderr
