"""The in-process mode's background steps (runtime/background.py): two threads stepping at once
(an app's own thread and the test's) deliver a change once, not twice."""

from __future__ import annotations

import threading
import time
from typing import Any

from mockserver import PresenceMock

MINE = "/restapi/v1.0/account/~/extension/~/presence"


def test_two_threads_stepping_at_once_deliver_a_change_once() -> None:
    got: list[dict[str, Any]] = []

    def slow(event: dict[str, Any]) -> None:
        time.sleep(0.2)  # the other thread's step comes while this POST is under way
        got.append(event)

    with PresenceMock() as mock:
        client = mock.app.test_client()
        creds = mock.credentials
        token = client.post(
            "/restapi/oauth/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": creds["jwt"],
            },
            auth=(creds["clientId"], creds["clientSecret"]),
        ).get_json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        body = {
            "eventFilters": [MINE],
            "deliveryMode": {"transportType": "WebHook", "address": mock.webhook(slow)},
        }
        assert (
            client.post("/restapi/v1.0/subscription", json=body, headers=headers).status_code == 200
        )
        now = client.get(MINE, headers=headers).get_json()["userStatus"]
        new = "Busy" if now != "Busy" else "Available"
        assert client.put(MINE, json={"userStatus": new}, headers=headers).status_code == 200
        steps = [threading.Thread(target=mock.background.step) for _ in range(2)]
        for step in steps:
            step.start()
        for step in steps:
            step.join()
    assert [e["body"]["userStatus"] for e in got] == [new]
