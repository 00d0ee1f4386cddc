"""The board's "why?" view (docs/explain.md) in a real browser against a live `serve`: click a
card's why? and read what each subscription got of its last changes, with the reason."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mockserver.platform.credentials import credential_jwt
from presence_mock_kit.receiver import WebhookReceiver
from tests.support.board_why import read_until, subscribe, why
from tests.support.calls_helpers import account, quiet_users
from tests.support.live_server import serving
from tests.support.login import demo_credentials, login_session
from tests.support.ws_client import Client

USERS = quiet_users(account())
ADMIN_ID = account().administrator.id  # whom the sockets' client logs in as
API = "/restapi/v1.0/account/~/extension"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("why"), "--workers", "1") as url:
        yield url


def put_status(client: requests.Session, server: str, ext_id: int, status: str) -> None:
    path = f"{server}{API}/{ext_id}/presence"
    assert client.put(path, json={"userStatus": status}, timeout=10).status_code == 200


def test_why_shows_what_each_subscription_got(browser: Any, server: str) -> None:
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    watched, other = USERS[0], USERS[1]
    client = login_session(server)
    with WebhookReceiver() as fine, WebhookReceiver() as limited:
        limited.status = 429
        subscribe(client, server, fine.url, watched.id)
        subscribe(client, server, limited.url, watched.id)
        now = client.get(f"{server}{API}/{watched.id}/presence", timeout=10).json()["userStatus"]
        put_status(client, server, watched.id, "Busy" if now != "Busy" else "Available")
        fine.wait_for_count(1)
        limited.wait_for_count(1)
        put_status(client, server, other.id, "Busy")
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            page.goto(f"{server}/")
            page.wait_for_selector(f'#cards .card[data-id="{watched.id}"]')
            dialog = why(page, watched.id)
            assert dialog.locator("#why-title").inner_text() == f"Why? {watched.name}"
            read_until(dialog, '.why-verdict[data-reason="delivered"]')
            read_until(dialog, '.why-verdict[data-reason="rate"]')
            assert "429" in dialog.locator('.why-verdict[data-reason="rate"]').inner_text()
            assert "userStatus" in dialog.locator(".why-change").first.inner_text()
            # A write that changes nothing, then read again: noFieldChanged.
            same = client.get(f"{server}{API}/{watched.id}/presence", timeout=10).json()
            put_status(client, server, watched.id, same["userStatus"])
            dialog.locator("#why-refresh").click()
            dialog.locator('.why-change[data-considered="unchanged"]').wait_for()
            assert dialog.locator('.why-verdict[data-reason="noFieldChanged"]').count() == 2
            dialog.locator("#why-close").click()
            dialog = why(page, other.id)
            unmatched = dialog.locator('.why-verdict[data-reason="filterDidNotMatch"]')
            unmatched.first.wait_for()
            assert unmatched.count() == 2
            assert f"/extension/{watched.id}/presence" in unmatched.first.inner_text()
            dialog.locator("#why-close").click()
            # A chaos rule breaks the next delivery of the first subscription's change.
            rules = {"rules": [{"operation": "webhookDelivery", "fault": "500", "next": 1}]}
            chaos = f"{server}/_mock/chaos"
            assert requests.put(chaos, json=rules, timeout=10).status_code == 200
            try:
                now = client.get(f"{server}{API}/{watched.id}/presence", timeout=10).json()
                put_status(
                    client,
                    server,
                    watched.id,
                    "Busy" if now["userStatus"] != "Busy" else "Available",
                )
                dialog = why(page, watched.id)
                broken = read_until(dialog, '.why-verdict[data-reason="chaosRule"]')
            finally:
                requests.delete(chaos, timeout=10)
            assert "webhookDelivery (500)" in broken.inner_text()
            dialog.locator("#why-close").click()
            # A subscription that has expired by the next change.
            short = {
                "eventFilters": [f"{API}/{other.id}/presence"],
                "deliveryMode": {"transportType": "WebHook", "address": fine.url},
                "expiresIn": 60,
            }
            made = client.post(f"{server}/restapi/v1.0/subscription", json=short, timeout=10)
            assert made.status_code == 200, made.text
            clock = requests.post(f"{server}/_mock/clock", json={"advance": 61}, timeout=10)
            assert clock.status_code == 200
            put_status(client, server, other.id, "Available")
            dialog = why(page, other.id)
            gone = read_until(dialog, '.why-verdict[data-reason="expired"]')
            assert "expired at" in gone.inner_text()
            dialog.locator("#why-close").click()
            # A user subscribed to another who hides: hiddenUser.
            watcher, hidden = USERS[2], USERS[3]
            as_user = login_session(server, {**demo_credentials(), "jwt": credential_jwt(watcher)})
            theirs = f"{API}/{hidden.id}/presence"
            subscribe(as_user, server, fine.url, hidden.id)
            assert client.put(f"{server}{theirs}", json={"allowSeeMyPresence": False}).ok
            seen = client.get(f"{server}{theirs}", timeout=10).json()["userStatus"]
            put_status(client, server, hidden.id, "Busy" if seen != "Busy" else "Available")
            dialog = why(page, hidden.id)
            out_of_sight = read_until(dialog, '.why-verdict[data-reason="hiddenUser"]')
            assert "allowSeeMyPresence" in out_of_sight.inner_text()
            dialog.locator("#why-close").click()
            # A WebSocket subscriber whose socket closed: socketClosed.
            sockets = Client.login(server)
            socket = sockets.connect()
            socket.receive()
            socket.subscribe()
            socket.close()
            time.sleep(0.3)  # the gateway notices the close
            sockets.flip_status()
            dialog = why(page, ADMIN_ID)
            closed = read_until(dialog, '.why-verdict[data-reason="socketClosed"]')
            assert "recovery" in closed.inner_text()
        finally:
            context.close()
    assert errors == []
