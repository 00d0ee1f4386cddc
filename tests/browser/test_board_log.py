"""The board's own requests stay out of the info log: a person who opens the board sees one line
for opening it, not its files, rows and polls (they are at debug); a change made on the board
(a write) is logged as any client's."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import requests

from tests.support.live_server import serving


def _wait_for(log: Path, needle: str) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        text = log.read_text()
        if needle in text:
            return text
        time.sleep(0.1)
    return log.read_text()


def test_the_boards_polling_is_not_in_the_info_log(browser: Any, tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2") as url:
        (log,) = tmp_path.glob("serve-*.log")
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{url}/")
        page.wait_for_selector("#cards .card")
        # The page polls the request journal: wait for a few rounds of it, seen from the page.
        polls: list[str] = []
        page.on("request", lambda r: polls.append(r.url) if "/requests" in r.url else None)
        deadline = time.monotonic() + 20
        while len(polls) < 2 and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert len(polls) >= 2, polls
        # A client's own request, to know the log has caught up.
        requests.get(f"{url}/_mock/events?marker=1", timeout=5)
        text = _wait_for(log, "/_mock/events?marker=1")
        context.close()
    requests_logged = [line for line in text.splitlines() if re.search(r"\] (GET|POST|PUT) ", line)]
    board_own = [
        line
        for line in requests_logged
        if "/_mock/board/" in line or "/_mock/event-log" in line or "/_mock/events " in line
    ]
    assert board_own == [], "\n".join(board_own)
    # Opening it is what the person did: one line.
    assert [line for line in requests_logged if "GET / 302" in line or "GET /_mock/board " in line]
