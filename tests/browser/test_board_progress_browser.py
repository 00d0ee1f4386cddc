"""The board's loading state and office-day's progress panel in a real browser (Playwright driving
Debian's chromium) against a live `presence-mock serve` on loopback (decisions BOARD-40,
BOARD-41)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.live_server import serving


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("progress"), "--workers", "1") as url:
        yield url


def _number(page: Any, element: str) -> int:
    return int(page.locator(element).inner_text().replace(",", ""))


def test_the_page_says_it_is_loading_before_any_script_ran(browser: Any, server: str) -> None:
    """What `chromium --headless --screenshot` catches: the page as served, before its script
    has read a row. It says it is loading, not an empty grid."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/_mock/board")
    loading = page.locator("#loading")
    assert loading.is_visible() and loading.inner_text() == "Loading the extensions…"
    assert page.locator("#summary").inner_text() == "Loading…"
    assert page.locator("#cards").get_attribute("aria-busy") == "true"
    assert page.locator("#cards .card").count() == 0
    assert page.locator("#progress").is_hidden()
    context.close()


def test_loading_shows_until_the_first_rows_arrive(browser: Any, server: str) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)  # the first page of rows waits until the test lets it through

    page.route("**/_mock/board/extensions?*", hold)
    page.goto(f"{server}/_mock/board")
    page.wait_for_function("document.getElementById('account').textContent !== 'Loading…'")
    while not held:  # the page has asked for its rows: they have not arrived
        page.wait_for_timeout(50)
    assert page.locator("#loading").is_visible()
    assert page.locator("#cards .card").count() == 0
    for route in held:
        route.continue_()
    page.unroute("**/_mock/board/extensions?*", hold)
    page.wait_for_selector("#cards .card")
    assert page.locator("#loading").is_hidden()
    assert page.locator("#cards").get_attribute("aria-busy") is None
    assert page.locator("#summary").inner_text().startswith("Showing 1\u2013")
    context.close()


def test_the_progress_panel_follows_the_day(browser: Any, server: str) -> None:
    """At the default pace the day moves within seconds, and the panel says how far it is:
    steps done, calls now, the next step; it goes when the day is stopped, here or elsewhere."""
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server}/_mock/board")
    page.wait_for_selector("#cards .card")
    assert page.locator("#progress").is_hidden()
    page.locator("#office-day").click()
    page.wait_for_selector("#progress", state="visible")
    assert page.locator("#progress-pace").inner_text() == "\u00d710"  # x10
    page.wait_for_function(
        "Number(document.getElementById('progress-steps').textContent.replace(/,/g, '')) >= 3",
        timeout=20_000,
    )
    player = requests.get(f"{server}/_mock/activity", timeout=10).json()["player"]
    assert _number(page, "#progress-steps") <= player["steps"]
    assert _number(page, "#progress-calls") >= 0
    assert re.fullmatch(r".+ · (in \d+ s|due now)", page.locator("#progress-next").inner_text())
    page.locator("#office-day").click()  # stopped here
    page.wait_for_selector("#progress", state="hidden")

    page.locator("#office-day").click()
    page.wait_for_selector("#progress", state="visible")
    requests.delete(f"{server}/_mock/activity", timeout=10).raise_for_status()  # and elsewhere
    page.wait_for_selector("#progress", state="hidden")
    assert page.locator("#office-day").inner_text() == "Start office day"
    context.close()


def test_a_seeded_call_reads_how_long_it_has_been_going(browser: Any, server: str) -> None:
    """The seed's calls started shortly before the server did (decision CALL-81): a card says
    "12:34", not "since 1/5/2026"."""
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/_mock/board")
    page.wait_for_selector("#cards .card")
    times = page.locator("#cards time[data-start]").all_inner_texts()
    assert times and all(re.fullmatch(r"(\d+:)?\d+:\d\d", t) for t in times), times
    context.close()
