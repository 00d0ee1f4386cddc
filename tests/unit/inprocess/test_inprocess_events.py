"""The in-process mode's events (decision EVT-14): WebHooks to a callable or a loopback URL,
`wait_for_event`, the pytest fixture."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from ringcentral import SDK

from mockserver import PresenceMock
from presence_mock_kit.receiver import WebhookReceiver

SERVER = "https://platform.ringcentral.com"
MINE = "/restapi/v1.0/account/~/extension/~/presence"


def platform_of(mock: PresenceMock) -> Any:
    creds = mock.credentials
    platform = SDK(creds["clientId"], creds["clientSecret"], SERVER).platform()
    platform.login(jwt=creds["jwt"])
    return platform


def subscribe(platform: Any, address: str, *filters: str) -> str:
    body = {
        "eventFilters": list(filters or [MINE]),
        "deliveryMode": {"transportType": "WebHook", "address": address},
    }
    return str(platform.post("/restapi/v1.0/subscription", body).json_dict()["id"])


def test_a_callable_gets_each_event_and_wait_for_event_finds_it() -> None:
    got: list[dict[str, Any]] = []
    with PresenceMock() as mock:
        platform = platform_of(mock)
        sub = subscribe(platform, mock.webhook(got.append))
        platform.put(MINE, {"userStatus": "Busy"})
        platform.put(MINE, {"dndStatus": "DoNotAcceptAnyCalls"})
        event = mock.wait_for_event(lambda e: e["body"]["dndStatus"] == "DoNotAcceptAnyCalls")
        assert event["subscriptionId"] == sub
        assert [e["body"]["sequence"] for e in got] == sorted(e["body"]["sequence"] for e in got)
        assert got[-1] == event
        with pytest.raises(TimeoutError):
            mock.wait_for_event(lambda e: e["body"]["userStatus"] == "Offline", timeout=0.2)


def test_a_failing_callable_is_retried() -> None:
    answers = iter([500, None])
    with PresenceMock() as mock:
        platform = platform_of(mock)
        subscribe(platform, mock.webhook(lambda _e: next(answers)))
        platform.put(MINE, {"userStatus": "Offline"})
        event = mock.wait_for_event(timeout=3)
        assert event["body"]["userStatus"] == "Offline"
        assert [e["status"] for e in mock.events] == [500, 200]


def test_a_loopback_url_is_posted_to_for_real() -> None:
    with WebhookReceiver() as hook, PresenceMock() as mock:
        platform = platform_of(mock)
        subscribe(platform, hook.url)
        platform.put(MINE, {"userStatus": "Offline"})
        [delivery] = hook.wait_for_count(1, timeout=5)
        assert delivery.json["body"]["userStatus"] == "Offline"
        # requests itself stays mocked: the emulator's URLs answer, others are refused.
        with pytest.raises(requests.ConnectionError):
            requests.get(hook.url, timeout=1)


def test_the_fixture_waits_for_events(presence_mock: PresenceMock) -> None:
    platform = platform_of(presence_mock)
    subscribe(platform, presence_mock.webhook(), "/restapi/v1.0/account/~/presence")
    platform.put(MINE, {"userStatus": "Offline"})
    owner = presence_mock.credentials  # the administrator's extension is the subject
    assert owner
    event = presence_mock.wait_for_event(
        extension_id=platform.get(MINE).json_dict()["extension"]["id"]
    )
    assert event["body"]["userStatus"] == "Offline"
