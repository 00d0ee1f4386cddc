"""office-day started at run time on a live `serve`: `POST /_mock/activity` and `presence-mock
activity` start it, DELETE and reset stop it, and two replicas on one Redis play the day
once."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from tests.support.live_server import COMMAND, serving, two_replicas
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name

DAY = {"name": "office-day", "rate": 300}


def _get(url: str, path: str) -> Any:
    answer = requests.get(f"{url}/_mock{path}", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _placed(url: str) -> int:
    return int(_get(url, "/calls")["placed"])


def _until(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the office never moved"
        time.sleep(0.2)


def _still(url: str) -> None:
    """No new step: the placed count and the event log stand still for two seconds."""
    time.sleep(1.0)  # a step under way when it was stopped lands
    placed, last = _placed(url), _get(url, "/event-log")["last"]
    time.sleep(2.0)
    assert _placed(url) == placed
    assert _get(url, "/event-log")["last"] == last


def test_post_starts_the_day_on_a_plain_serve_and_delete_and_reset_stop_it(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, "--workers", "2") as url:
        assert _get(url, "/activity") == {"active": False}
        time.sleep(1.0)
        assert _placed(url) == 0  # nothing plays unasked
        logged = _get(url, "/event-log")["last"]

        started = requests.post(f"{url}/_mock/activity", json=DAY, timeout=10)
        assert started.status_code == 200, started.text
        _until(lambda: _placed(url) >= 3)
        # Presence moved: the steps' changes are in the event log, and the calls list shows
        # calls the office placed (one of their parties reads the call in its presence).
        assert _get(url, "/event-log")["last"] > logged
        record = _get(url, "/activity")
        assert record["active"] is True and record["run"] == started.json()["run"]
        assert record["player"]["steps"] >= 3 and record["player"]["run"] == record["run"]

        stopped = requests.delete(f"{url}/_mock/activity", timeout=10)
        assert stopped.json() == {"active": False}
        _still(url)

        # `presence-mock activity` asks the server for the day the same way.
        command = [COMMAND, "activity", "office-day", "--url", url, "--rate", "300"]
        asked = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
        assert json.loads(asked.stdout)["active"] is True
        before = _placed(url)
        _until(lambda: _placed(url) >= before + 3)
        requests.post(f"{url}/_mock/reset", timeout=10).raise_for_status()
        _still(url)
        assert _placed(url) == 0
        assert _get(url, "/activity") == {"active": False}


def test_two_replicas_on_one_redis_play_the_day_once(
    redis_server: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    with two_replicas(tmp_path, redis_server, 13) as (first, second):
        requests.post(f"{first}/_mock/activity", json=DAY, timeout=10).raise_for_status()
        _until(lambda: _placed(second) >= 10)
        # Every call placed since the start was placed by the one player that holds the day:
        # its own count of the calls it placed is the account's (two players would place
        # about twice as many as either counts).
        owners = set()
        for _ in range(5):
            while True:
                player = _get(second, "/activity")["player"]
                placed = _placed(first)
                again = _get(first, "/activity")["player"]
                if again == player:
                    break
            owners.add(player["owner"])
            assert placed == player["placed"], (placed, player)
            time.sleep(0.5)
        assert len(owners) == 1
        requests.delete(f"{second}/_mock/activity", timeout=10).raise_for_status()
        _still(first)
