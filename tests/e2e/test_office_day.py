"""office-day on a live `serve`: the contract kit passes while the office moves, and a reset
stops it."""

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
