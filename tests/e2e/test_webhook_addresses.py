"""WebHook addresses on a live `serve`: it refuses its own ports and names without a lookup, and
reads the allow list from its flag and its environment twin."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import requests

from presence_mock_kit.receiver import WebhookReceiver
from tests.support.live_server import COMMAND, free_port
from tests.support.login import login_headers
from tests.support.receivers import webhook_body

SUBS = "/restapi/v1.0/subscription"


def test_serve_refuses_its_own_ports_and_names_without_a_lookup(tmp_path: Path) -> None:
    """End to end: `serve --port 0` settles its real port; its REST and gateway ports, a name
    off this machine and a private address are refused with SUB-521; a loopback receiver is
    not; the log says why in one line per refusal."""
    log = tmp_path / "serve.log"
    gateway = free_port()
    env = {**os.environ, "PRESENCE_MOCK_VALIDATE_RESPONSES": "1"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                COMMAND,
                "serve",
                "--port",
                "0",
                "--gateway-port",
                str(gateway),
                "--workers",
                "1",
                "--webhook-allow",
                "*.internal",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        port = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not port:
            found = re.search(r"serving on http://127\.0\.0\.1:(\d+)", log.read_text())
            port = int(found.group(1)) if found else 0
            time.sleep(0.1)
        assert port, log.read_text()
        base = f"http://127.0.0.1:{port}"
        while requests.get(f"{base}/_mock/health", timeout=5).status_code != 200:
            time.sleep(0.1)
        headers = login_headers(base)
        for address in (
            f"http://127.0.0.1:{port}/_mock/reset",
            f"http://localhost:{port}/_mock/activity",
            f"http://127.0.0.1:{gateway}/_mock/health",
            "https://consumer-host.example.com/webhook",
            "http://10.0.0.8/hook",
            "http://2130706433:9/",
        ):
            answer = requests.post(
                f"{base}{SUBS}", json=webhook_body(address), headers=headers, timeout=10
            )
            assert answer.status_code == 400 and answer.json()["errorCode"] == "SUB-521", address
        with WebhookReceiver() as hook:
            answer = requests.post(
                f"{base}{SUBS}", json=webhook_body(hook.url), headers=headers, timeout=10
            )
            assert answer.status_code == 200, answer.text
    finally:
        process.terminate()
        process.wait(15)
    text = log.read_text()
    assert text.count("WebHook address refused") == 6
    assert "host consumer-host.example.com" in text and "/_mock/reset" not in text


def test_serve_reads_the_allow_list_from_its_flag_and_its_env_twin() -> None:
    """--webhook-allow and PRESENCE_MOCK_WEBHOOK_ALLOW reach serve's Settings: a bad entry in
    either is refused in one line naming the option, exit 2, before anything is served."""
    flag = subprocess.run(
        [COMMAND, "serve", "--webhook-allow", "*.internal", "--webhook-allow", "127.1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    env = {**os.environ, "PRESENCE_MOCK_WEBHOOK_ALLOW": "receiver,0x7f.0.0.1"}
    twin = subprocess.run([COMMAND, "serve"], capture_output=True, text=True, timeout=60, env=env)
    for done, entry in ((flag, "'127.1'"), (twin, "'0x7f.0.0.1'")):
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "--webhook-allow" in done.stderr
        assert entry in done.stderr
