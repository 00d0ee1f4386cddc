"""End to end: magic numbers on a live `serve`, placed by `presence-mock call ring` and by a
scenario; their timed steps played by the server's call timer on the server's clock."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mockserver.telephony import magic
from tests.support.calls_helpers import account, quiet_users
from tests.support.live_server import COMMAND, serving

USERS = quiet_users(account())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("magic"), "--workers", "2") as url:
        yield url


def calls_of(server: str, number: str) -> list[dict[str, object]]:
    listed = requests.get(f"{server}/_mock/calls", timeout=10).json()["records"]
    return [c for c in listed if any(p["from"] == number for p in c["parties"])]


def telephony_until(server: str, user_id: int, wanted: str, within: float = 5.0) -> str:
    """The user's telephonyStatus on the board's row, read until it is `wanted` or time is up."""
    deadline = time.monotonic() + within
    while True:
        row = requests.get(f"{server}/_mock/board/extensions/{user_id}", timeout=10).json()
        found = str(row["presence"]["telephonyStatus"])
        if found == wanted or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_the_numbers_are_listed_as_the_table_says(server: str) -> None:
    listed = requests.get(f"{server}/_mock/magic-numbers", timeout=10).json()
    assert listed == {"records": magic.table()}


def test_call_ring_with_a_magic_number_is_answered_when_the_clock_says(server: str) -> None:
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    user = USERS[0]
    rung = subprocess.run(
        [COMMAND, "call", "--url", server, "ring", "+15550100013", user.number],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rung.returncode == 0, rung.stderr
    assert telephony_until(server, user.id, "Ringing") == "Ringing"
    requests.post(f"{server}/_mock/clock", json={"advance": 3}, timeout=10).raise_for_status()
    assert telephony_until(server, user.id, "CallConnected") == "CallConnected"


def test_a_scenario_rings_from_a_busy_number_and_the_call_is_over(
    server: str, tmp_path: Path
) -> None:
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    user = USERS[1]
    scenario = tmp_path / "busy.yaml"
    scenario.write_text(
        "name: a busy caller\nsteps:\n"
        f'  - at: 0s\n    ring: {{from: "+15550100001", to: "{user.number}", call: busy}}\n'
    )
    played = subprocess.run(
        [COMMAND, "scenario", "run", str(scenario), "--url", server],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert played.returncode == 0, played.stderr + played.stdout
    assert calls_of(server, "+15550100001") == []
    log = requests.get(f"{server}/_mock/event-log", timeout=10).json()["records"]
    mine = [c for c in log if str(c.get("extensionId")) == str(user.id)]
    seen = [c["body"].get("telephonyStatus") for c in mine]
    assert "Ringing" in seen and seen[-1] == "NoCall"
