"""The browser of every test here: Debian's chromium, headless and offline, driven by Playwright
(its own browser download cannot be reached). Without chromium the tests skip, or fail when
PRESENCE_TESTS_REQUIRE_BROWSER=1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No name but localhost resolves: the browser, like every process of the run, stays on
    # this machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def _chromium() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    message = "no chromium for the browser tests: apt-get install -y chromium"
    if os.environ.get("PRESENCE_TESTS_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield launched
        launched.close()
