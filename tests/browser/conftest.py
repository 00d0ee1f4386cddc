"""The browser of every test here: Debian's chromium, headless and offline, driven by Playwright
(its own browser download cannot be reached). Without chromium the tests skip, or fail when
PRESENCE_TESTS_REQUIRE_BROWSER=1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.chromium import ARGS, CHROMIUM


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
