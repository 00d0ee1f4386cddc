"""`PresenceMock.explain` (docs/explain.md): why each subscription got a change or not, read in
process, each reason provoked through the official SDK as an app would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from ringcentral import SDK

from mockserver import PresenceMock
from mockserver.events.webhooks import Answer
from mockserver.platform.tokens import Caller

SERVER = "https://platform.ringcentral.com"
MINE = "/restapi/v1.0/account/~/extension/~/presence"


@pytest.fixture
def mock() -> Iterator[PresenceMock]:
    with PresenceMock() as found:
        yield found


def platform_of(mock: PresenceMock) -> Any:
    creds = mock.credentials
    platform = SDK(creds["clientId"], creds["clientSecret"], SERVER).platform()
    platform.login(jwt=creds["jwt"])
    return platform


def subscribe(platform: Any, address: str, *filters: str, **extra: Any) -> str:
    body = {
        "eventFilters": list(filters or [MINE]),
        "deliveryMode": {"transportType": "WebHook", "address": address},
        **extra,
    }
    return str(platform.post("/restapi/v1.0/subscription", body).json_dict()["id"])


def me(platform: Any) -> str:
    return str(platform.get("/restapi/v1.0/account/~/extension/~").json_dict()["id"])


def flip(platform: Any, status: str | None = None) -> None:
    now = platform.get(MINE).json_dict()["userStatus"]
    platform.put(MINE, {"userStatus": status or ("Busy" if now != "Busy" else "Available")})


def newest(mock: PresenceMock, extension: str, subscription: str) -> dict[str, Any]:
    change = mock.explain(extension)["changes"][0]
    [row] = [r for r in change["subscriptions"] if r["subscriptionId"] == subscription]
    return row  # type: ignore[no-any-return]


def handler(status: int | None) -> Callable[[dict[str, Any]], Answer | int | None]:
    return lambda _event: status


def test_delivered_and_read_as_text(mock: PresenceMock) -> None:
    platform = platform_of(mock)
    sid = subscribe(platform, mock.webhook())
    flip(platform)
    got = newest(mock, me(platform), sid)
    assert got["reason"] == "delivered" and got["delivered"] and got["transport"] == "WebHook"
    text = mock.explain_text(me(platform))
    assert f"{sid} WebHook: delivered (delivered)" in text and "userStatus" in text


def test_filter_did_not_match(mock: PresenceMock) -> None:
    platform = platform_of(mock)
    other = next(u for u in mock.users if str(u.get("extensionId")) != me(platform))
    theirs = f"/restapi/v1.0/account/~/extension/{other['extensionId']}/presence"
    sid = subscribe(platform, mock.webhook(), theirs)
    flip(platform)
    got = newest(mock, me(platform), sid)
    assert got["reason"] == "filterDidNotMatch" and got["nearestFilter"].endswith(
        f"/extension/{other['extensionId']}/presence"
    )


def test_no_field_changed(mock: PresenceMock) -> None:
    platform = platform_of(mock)
    sid = subscribe(platform, mock.webhook())
    flip(platform, platform.get(MINE).json_dict()["userStatus"])
    change = mock.explain(me(platform))["changes"][0]
    assert change["considered"] == "unchanged"
    assert [(r["subscriptionId"], r["reason"]) for r in change["subscriptions"]] == [
        (sid, "noFieldChanged")
    ]
    assert "nothing changed" in mock.explain_text(me(platform))


def test_a_receiver_that_answers_429_or_500(mock: PresenceMock) -> None:
    platform = platform_of(mock)
    limited = subscribe(platform, mock.webhook(handler(429), "https://limited.test/hook"))
    failing = subscribe(platform, mock.webhook(handler(500), "https://failing.test/hook"))
    flip(platform)
    assert newest(mock, me(platform), limited)["reason"] == "rate"
    assert newest(mock, me(platform), failing)["reason"] == "receiverFailed"


def test_expired(mock: PresenceMock) -> None:
    platform = platform_of(mock)
    sid = subscribe(platform, mock.webhook(), expiresIn=60)
    requests.post(f"{SERVER}/_mock/clock", json={"advance": 61}, timeout=5)
    flip(platform)
    got = newest(mock, me(platform), sid)
    assert got["reason"] == "expired"
    assert mock.explain(subscription_id=sid)["changes"][0]["subscriptions"][0] == got


def test_a_chaos_rule(mock: PresenceMock) -> None:
    platform = platform_of(mock)
    sid = subscribe(platform, mock.webhook())
    rules = {"rules": [{"operation": "webhookDelivery", "fault": "500", "next": 1}]}
    assert requests.put(f"{SERVER}/_mock/chaos", json=rules, timeout=5).status_code == 200
    flip(platform)
    got = newest(mock, me(platform), sid)
    assert got["reason"] == "chaosRule" and got["fault"] == "500"


def test_a_hidden_user(mock: PresenceMock) -> None:
    platform = platform_of(mock)
    users = mock.emulator.directory.accounts[0].extensions
    watcher, hidden = [e for e in users if e.type.is_user and not e.admin][:2]
    creds = mock.credentials
    theirs = SDK(creds["clientId"], creds["clientSecret"], SERVER).platform()
    theirs.login(jwt=next(u["jwt"] for u in mock.users if u["extensionId"] == watcher.id))
    path = f"/restapi/v1.0/account/~/extension/{hidden.id}/presence"
    sid = subscribe(theirs, mock.webhook(), path)
    platform.put(path, {"allowSeeMyPresence": False})
    now = platform.get(path).json_dict()["userStatus"]
    platform.put(path, {"userStatus": "Busy" if now != "Busy" else "Available"})
    got = newest(mock, str(hidden.id), sid)
    assert got["reason"] == "hiddenUser" and not got["delivered"]


def test_missing_permission_and_suspended(mock: PresenceMock) -> None:
    platform = platform_of(mock)
    blind = subscribe(platform, mock.webhook())
    paused = subscribe(platform, mock.webhook(address="https://paused.test/hook"))
    subscriptions = mock.emulator.events.subscriptions
    for sid, change in (
        (blind, {"permissions": ["EditPresence"]}),
        (paused, {"status": "Suspended"}),
    ):
        found = subscriptions.find(sid)
        assert found is not None
        subscriptions.store.put_member("subscriptions", sid, {**found.to_record(), **change})
    flip(platform)
    assert newest(mock, me(platform), blind)["reason"] == "missingPermission"
    assert newest(mock, me(platform), paused)["reason"] == "suspended"


def test_wait_for_event_says_why_it_waited_in_vain(mock: PresenceMock) -> None:
    platform = platform_of(mock)
    sid = subscribe(platform, mock.webhook(handler(503)))
    flip(platform)
    with pytest.raises(TimeoutError) as waited:
        mock.wait_for_event(subscription_id=sid, timeout=0.1)
    said = str(waited.value)
    assert said.startswith("no matching event delivered in 0.1 s; why:")
    assert f"{sid} WebHook: not delivered (receiverFailed)" in said and "[503]" in said
    with pytest.raises(TimeoutError) as plain:
        mock.wait_for_event(lambda e: False, timeout=0.1)
    assert str(plain.value) == "no matching event delivered in 0.1 s"


def test_blacklisted_and_pending(mock: PresenceMock) -> None:
    platform = platform_of(mock)
    banned = subscribe(platform, mock.webhook())
    reason = "Webhook responses with code: [404], reason: [Not Found]"
    assert mock.emulator.events.subscriptions.blacklist(banned, reason) is not None
    app = mock.emulator.directory.apps[0]
    owner = mock.emulator.directory.extension(int(me(platform)))
    assert owner is not None
    caller = Caller(owner.account_id, owner.id, app.client_id, True, app.permissions, 0)
    body = {"eventFilters": [MINE], "deliveryMode": {"transportType": "WebSocket"}}
    socket = mock.emulator.events.subscriptions.create(
        caller, body, transport="WebSocket", session_id="no-gateway-in-process"
    )
    flip(platform)
    got = newest(mock, me(platform), banned)
    assert got["reason"] == "blacklisted" and "[404]" in got["detail"]
    waiting = newest(mock, me(platform), socket.id)
    assert waiting["reason"] == "pending" and waiting["transport"] == "WebSocket"
