"""office-day on a live `serve`: the contract kit passes while the office moves, a reset
stops it, and at the default pace forty seconds of the emulator's clock move many users."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import requests

from tests.support.live_server import COMMAND, serving


def test_the_kit_passes_while_the_office_moves_and_a_reset_stops_it(tmp_path: Path) -> None:
    with serving(
        tmp_path, "--workers", "4", "--activity", "office-day", "--activity-rate", "80"
    ) as url:

        def placed() -> int:
            return int(requests.get(f"{url}/_mock/calls", timeout=10).json()["placed"])

        deadline = time.monotonic() + 20
        while placed() < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert placed() >= 5
        before = placed()
        kit = subprocess.run(
            [COMMAND, "contract", "--target", url, "--allow-writes"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert kit.returncode == 0, kit.stdout[-3000:] + kit.stderr[-2000:]
        assert placed() > before  # the office kept moving while the kit ran
        assert requests.get(f"{url}/_mock/activity", timeout=10).json()["active"] is True

        requests.post(f"{url}/_mock/reset", timeout=10).raise_for_status()
        time.sleep(2)  # the companion notices within a second
        assert placed() == 0
        time.sleep(2)
        assert placed() == 0
        assert requests.get(f"{url}/_mock/activity", timeout=10).json() == {"active": False}


def _telephony(url: str) -> dict[str, str]:
    page = requests.get(f"{url}/_mock/board/extensions?perPage=200", timeout=10).json()
    return {str(r["id"]): r["presence"].get("telephonyStatus", "NoCall") for r in page["records"]}


def _steps(url: str) -> int:
    player = requests.get(f"{url}/_mock/activity", timeout=10).json().get("player") or {}
    return int(player.get("steps", 0))


def test_forty_seconds_at_the_default_pace_move_several_users(tmp_path: Path) -> None:
    """The default account, the default pace (no --activity-rate): the emulator's clock is
    frozen and moved 40 s at once, so the day's first 40 s are played without waiting."""
    with serving(tmp_path, "--workers", "1", "--activity", "office-day") as url:
        requests.post(f"{url}/_mock/clock", json={"freeze": True}, timeout=10).raise_for_status()
        deadline = time.monotonic() + 20
        while not (day := requests.get(f"{url}/_mock/activity", timeout=10).json())["active"]:
            assert time.monotonic() < deadline, "the gateway never asked for the day"
            time.sleep(0.2)
        assert day["rate"] == 10.0
        status = _telephony(url)
        logged = requests.get(f"{url}/_mock/event-log", timeout=10).json()["last"]
        requests.post(f"{url}/_mock/clock", json={"advance": 40}, timeout=10).raise_for_status()
        deadline, seen = time.monotonic() + 30, -1
        while (steps := _steps(url)) != seen or steps == 0:  # until the burst is played
            assert time.monotonic() < deadline, "the day never moved"
            seen = steps
            time.sleep(1.0)
        moved: set[str] = set()
        after = logged
        while True:
            page = requests.get(
                f"{url}/_mock/event-log", params={"after": after, "limit": 1000}, timeout=10
            ).json()
            if not page["records"]:
                break
            for change in page["records"]:
                now = change["body"].get("telephonyStatus", "NoCall")
                if status.get(change["extensionId"], now) != now:
                    moved.add(change["extensionId"])
                status[change["extensionId"]] = now
                after = change["position"]
        assert len(moved) >= 10, moved
