"""The client commands against a real `serve`: `--url` after the verb, `credentials --url`
asking the server, scenarios by name on a used server with `--reset`, `serve --scenario NAME`
(decisions CLI-1, CLI-6, CLI-7)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import requests

from tests.support.live_server import COMMAND, serving

QUEUE = "104"  # the seeded office's Sales Department queue, as the shipped scenario rings it


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("SERVER_URL")}
    clean.pop("PRESENCE_MOCK_URL", None)
    return subprocess.run(
        [COMMAND, *argv], capture_output=True, text=True, timeout=120, env={**clean, **(env or {})}
    )


def test_url_after_the_verb_and_credentials_from_the_server(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "1", "--seed", "7") as url:
        rang = run("call", "ring", "--url", url, "+16505550100", "101")
        assert rang.returncode == 0, rang.stderr
        session = json.loads(rang.stdout)["telephonySessionId"]
        ended = run("call", "end", session, "--url", url)
        assert ended.returncode == 0, ended.stderr
        # Asked of the server: its seed, though none is given here.
        asked = run("credentials", "--env", env={"PRESENCE_MOCK_URL": url})
        assert asked.returncode == 0, asked.stderr
        computed = run("credentials", "--env", "--seed", "7")
        assert asked.stdout.splitlines()[1:] == computed.stdout.splitlines()[1:]
        assert asked.stdout.splitlines()[0] == f"export RINGCENTRAL_SERVER_URL={url}"
        every = json.loads(run("credentials", "--json", "--url", url).stdout)
        assert every["serverUrl"] == url and every["users"]


def _occupy_the_queue(url: str) -> None:
    """Queue calls answered until no member of the queue is free: a used server."""
    for n in range(40):
        placed = requests.post(
            f"{url}/_mock/queue-calls",
            json={"queueId": QUEUE, "from": f"+1415555{n:04d}"},
            timeout=5,
        )
        if placed.status_code == 409:
            return
        session = placed.json()["telephonySessionId"]
        answered = requests.post(f"{url}/_mock/calls/{session}/answer", json={}, timeout=5)
        assert answered.status_code == 200, answered.text
    raise AssertionError("the queue never filled")


def test_a_shipped_scenario_on_a_used_server_says_why_and_reset_plays_it(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "1") as url:
        requests.post(f"{url}/_mock/clock", json={"freeze": True}, timeout=5)
        _occupy_the_queue(url)
        refused = run("scenario", "run", "queue-call", "--url", url)
        assert refused.returncode == 1
        last = refused.stderr.strip().splitlines()[-1]
        assert "409" in last and "--reset plays it from the seeded state" in last, refused.stderr
        played = run("scenario", "run", "queue-call", "--reset", "--url", url)
        assert played.returncode == 0, played.stdout + played.stderr
        # Every shipped example then plays, one after the other, on the same server.
        for name in run("scenario", "list").stdout.split("\n"):
            if name.strip():
                done = run("scenario", "run", name.split()[0], "--url", url)
                assert done.returncode == 0, done.stdout + done.stderr


def test_serve_plays_a_shipped_scenario_by_name(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "1", "--scenario", "inbound-call") as url:
        deadline = time.monotonic() + 30
        while not requests.get(f"{url}/_mock/calls", timeout=5).json()["placed"]:
            assert time.monotonic() < deadline, "the scenario placed no call"
            time.sleep(0.2)
