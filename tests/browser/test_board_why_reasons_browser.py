"""The board's "why?" view (docs/explain.md) for the reasons the first board test leaves out,
each provoked on one live `serve` and read in the dialog: pending, missingPermission,
suspended, receiverFailed then blacklisted, a WebSocket chaos rule, a client that stops
reading its socket. A subscription's missing permission or suspension is stored directly:
the emulator never makes either itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mockserver.storage.sqlite import SQLiteStore
from presence_mock_kit.receiver import WebhookReceiver
from tests.support.board_why import read_until, subscribe, why
from tests.support.calls_helpers import account, quiet_users
from tests.support.live_server import serving
from tests.support.not_reading import not_reading_row
from tests.support.ws_client import Client

USERS = quiet_users(account())
API = "/restapi/v1.0/account/~/extension"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("why-reasons")
    store = folder / "store.db"
    options = ("--workers", "1", "--store", f"sqlite:///{store}", "--gateway-ping", "600")
    with serving(folder, *options) as url:
        yield url, store


def flip(client: Client, ext_id: int) -> None:
    client.flip_status(f"{API}/{ext_id}/presence")


def stored(store: Path, subscription_id: str, **changed: Any) -> None:
    """Write the subscription as the server keeps it, with `changed` fields."""
    kept = SQLiteStore(str(store))
    record = kept.members("subscriptions")[subscription_id]
    kept.put_member("subscriptions", subscription_id, {**record, **changed})


def test_why_names_every_other_reason(browser: Any, server: tuple[str, Path]) -> None:
    url, store = server
    requests.post(f"{url}/_mock/reset", timeout=10).raise_for_status()
    slow_ext, unread_ext, paused_ext, failing_ext, broken_ext, deaf_ext = (u.id for u in USERS[:6])
    client = Client.login(url)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with WebhookReceiver() as slow, WebhookReceiver() as fine, WebhookReceiver() as failing:
        try:
            page.goto(f"{url}/")
            page.wait_for_selector(f'#cards .card[data-id="{slow_ext}"]')
            # pending: the receiver takes its time; what it has not answered is not delivered.
            subscribe(client.session, url, slow.url, slow_ext)
            slow.delay = 4
            flip(client, slow_ext)
            dialog = why(page, slow_ext)
            waiting = read_until(dialog, '.why-verdict[data-reason="pending"]')
            assert "deliverer has not sent it yet" in waiting.inner_text()
            slow.delay = 0
            read_until(dialog, '.why-verdict[data-reason="delivered"]')
            dialog.locator("#why-close").click()
            # missingPermission and suspended: stored so.
            unread = subscribe(client.session, url, fine.url, unread_ext)
            stored(store, unread, permissions=["EditPresence"])
            paused = subscribe(client.session, url, fine.url, paused_ext)
            stored(store, paused, status="Suspended")
            flip(client, unread_ext)
            flip(client, paused_ext)
            dialog = why(page, unread_ext)
            lacking = read_until(dialog, '.why-verdict[data-reason="missingPermission"]')
            assert "ReadPresence" in lacking.inner_text()
            dialog.locator("#why-close").click()
            dialog = why(page, paused_ext)
            off = read_until(dialog, '.why-verdict[data-reason="suspended"]')
            assert "Suspended" in off.inner_text()
            dialog.locator("#why-close").click()
            # chaosRule on a WebSocket: the rule breaks the socket the notification goes to.
            socket = client.connect()
            socket.receive()
            socket.subscribe([f"{API}/{broken_ext}/presence"])
            rules = {"rules": [{"operation": "webSocketSession", "fault": "reset", "next": 1}]}
            chaos = f"{url}/_mock/chaos"
            assert requests.put(chaos, json=rules, timeout=10).status_code == 200
            try:
                flip(client, broken_ext)
                dialog = why(page, broken_ext)
                broken = read_until(dialog, '.why-verdict[data-reason="chaosRule"]')
            finally:
                requests.delete(chaos, timeout=10)
            assert "webSocketSession (reset)" in broken.inner_text()
            assert "WebSocket" in broken.inner_text()
            dialog.locator("#why-close").click()
            socket.close()
            # notReading: a socket that stops reading until a notification overflows it.
            not_reading_row(client, f"{API}/{deaf_ext}/presence", deaf_ext)
            dialog = why(page, deaf_ext)
            deaf = read_until(dialog, '.why-verdict[data-reason="notReading"]')
            assert "does not read its socket" in deaf.inner_text()
            dialog.locator("#why-close").click()
            # receiverFailed, then ten minutes of failures on the emulator's clock: blacklisted.
            failed = subscribe(client.session, url, failing.url, failing_ext)
            failing.status = 404
            flip(client, failing_ext)
            dialog = why(page, failing_ext)
            refused = read_until(dialog, '.why-verdict[data-reason="receiverFailed"]')
            assert "404" in refused.inner_text()
            dialog.locator("#why-close").click()
            client.move_clock(601)
            blacklisted(client, failed)  # at the deliverer's next retry
            flip(client, failing_ext)
            dialog = why(page, failing_ext)
            out = read_until(dialog, '.why-verdict[data-reason="blacklisted"]')
            assert "404" in out.inner_text()
        finally:
            context.close()
    assert errors == []


def blacklisted(client: Client, subscription_id: str) -> None:
    deadline = time.monotonic() + 20
    path = f"{client.url}/restapi/v1.0/subscription/{subscription_id}"
    while client.session.get(path, timeout=10).json().get("status") != "Blacklisted":
        assert time.monotonic() < deadline, "never blacklisted"
        time.sleep(0.2)
