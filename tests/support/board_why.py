"""Helpers of the board's "why?" browser tests (docs/explain.md): a WebHook subscription to
one extension, a card's why? dialog opened, and a verdict read again until it shows."""

from __future__ import annotations

import time
from typing import Any

import requests

API = "/restapi/v1.0/account/~/extension"


def subscribe(client: requests.Session, server: str, address: str, ext_id: int) -> str:
    body = {
        "eventFilters": [f"{API}/{ext_id}/presence"],
        "deliveryMode": {"transportType": "WebHook", "address": address},
    }
    answer = client.post(f"{server}/restapi/v1.0/subscription", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def why(page: Any, ext_id: int) -> Any:
    """Open the card's why? view; its dialog."""
    page.locator(f'#cards .card[data-id="{ext_id}"] .why').click()
    dialog = page.locator("#why")
    dialog.wait_for(state="visible")
    return dialog


def read_until(dialog: Any, selector: str) -> Any:
    """Click Read again until `selector` shows (the deliverer of the gateway's process works
    beside the page: a delivery may come after the view was read)."""
    deadline = time.monotonic() + 10
    while dialog.locator(selector).count() == 0:
        assert time.monotonic() < deadline, dialog.inner_text()
        dialog.locator("#why-refresh").click()
        dialog.page.wait_for_timeout(200)
    return dialog.locator(selector)
