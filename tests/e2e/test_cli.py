"""The `presence-mock` command as a process: a taken port is one clear line, and `serve`'s log
lines (one per request, masked and escaped, JSON or text at a level) and its first line."""

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import requests

from tests.support.live_server import COMMAND, free_port, running


def _log_of(log_dir: Path, url: str) -> str:
    port = url.rsplit(":", 1)[1]
    return (log_dir / f"serve-{port}.log").read_text()


def test_a_taken_port_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [COMMAND, "serve", "--port", str(port)], capture_output=True, text=True, timeout=30
        )
    assert done.returncode == 1
    assert f"{port}" in done.stderr and "in use" in done.stderr
    assert "Traceback" not in done.stderr


def _wait_for(log_dir: Path, url: str, needle: str) -> str:
    deadline = time.monotonic() + 5  # lines are written in batches every 0.1 s
    while time.monotonic() < deadline:
        text = _log_of(log_dir, url)
        if needle in text:
            return text
        time.sleep(0.05)
    return _log_of(log_dir, url)


def test_one_log_line_per_request_masked_escaped_with_verdict_and_code(tmp_path):
    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--workers", "1"]
    with running(command, port, tmp_path) as url:
        api = url + "/restapi/v1.0/account/~/presence"
        requests.get(api, params={"page": "0", "access_token": "s3cr3t-token"}, timeout=5)
        requests.get(url + "/restapi/v1.0/x%0d%0aGET%20/forged%20200", timeout=5)
        requests.post(
            url + "/restapi/oauth/token",
            params={"client_secret": "hush", "password": "pw"},
            data={"grant_type": "password"},
            timeout=5,
        )
        text = _wait_for(tmp_path, url, "POST /restapi/oauth/token")
    assert "s3cr3t-token" not in text and "hush" not in text and "=pw" not in text
    lines = text.splitlines()
    # serve's first lines say the emulator is serving: news, not a warning (even one worker
    # shares a scratch store, with the gateway process). A request line (the health check) can
    # come first: a worker answers as soon as its port is bound.
    own = [line for line in lines if " [serve] " in line]
    assert "sharing a scratch store" in own[0]
    assert "serving on http://127.0.0.1:" in own[1]
    [read] = [line for line in lines if "/account/~/presence" in line]
    # an unknown token: 401 OAU-213; page=0 breaks the request rules: the verdict says so
    assert " GET /restapi/v1.0/account/~/presence?page=0&access_token=*** 401 " in read
    # ... and names the rule broken, in words
    assert read.endswith("ms violation OAU-213 (page must be a positive whole number (int32))")
    [forged] = [line for line in lines if "forged" in line]
    assert "\\r\\nGET /forged 200" in forged and " 404 " in forged
    assert not any(line.startswith("GET /forged") for line in lines)
    [token] = [line for line in lines if "/restapi/oauth/token" in line]
    assert "client_secret=***&password=***" in token and " 400 " in token


def test_json_log_lines_and_the_log_level(tmp_path):
    port = free_port()
    env = {"PRESENCE_MOCK_LOG_FORMAT": "json"}
    command = [COMMAND, "serve", "--port", str(port), "--workers", "1"]
    with running(command, port, tmp_path, env=env) as url:
        requests.get(url + "/restapi/v1.0/account/~/presence", timeout=5)
        text = _wait_for(tmp_path, url, "/account/~/presence")
    records = [json.loads(line) for line in text.splitlines()]
    [read] = [r for r in records if r.get("path") == "/restapi/v1.0/account/~/presence"]
    assert read["status"] == 401 and read["verdict"] == "ok" and read["method"] == "GET"
    assert read["errorCode"] and read["level"] == "info" and "ms" in read
    assert read["process"].startswith("worker ")  # which process wrote it
    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--workers", "1", "--log-level", "warning"]
    with running(command, port, tmp_path) as url:
        requests.get(url + "/_mock/health", timeout=5)
        time.sleep(0.3)
        assert _log_of(tmp_path, url) == ""


def test_the_default_start_first_line_is_not_a_warning(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PRESENCE_MOCK_WORKERS"}
    process = subprocess.Popen(
        [COMMAND, "serve", "--port", str(port), "--workers", "2"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = process.stderr.readline() if process.stderr else ""
    finally:
        process.terminate()
        process.wait(timeout=15)
    lowered = first.lower()
    assert "presence-mock" in lowered and "2 workers" in lowered
    assert not any(word in lowered for word in ("cannot", "warning", "error", "instead"))
