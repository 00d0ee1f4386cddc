"""Explained deliveries over REST (docs/explain.md): each reason provoked, then read back from
`GET /_mock/events/explain`. The WebHook deliverer is driven step by step (a fake wall clock
for its retry waits); the receiver is a real one on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from werkzeug.test import Client

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.events.delivery import Deliverer
from mockserver.events.explain_journal import KEEP
from mockserver.events.subscriptions import WEBSOCKET, Subscription
from mockserver.platform.tokens import Caller
from mockserver.web.app import create_app
from presence_mock_kit.receiver import WebhookReceiver
from tests.support.answers import assert_error, find
from tests.support.login import Api, login

SUBS = "/restapi/v1.0/subscription"
MINE = "/restapi/v1.0/account/~/extension/~/presence"
ACCOUNT = "/restapi/v1.0/account/~/presence"
EXPLAIN = "/_mock/events/explain"


class Wall:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def deliverer(emulator: Emulator, wall: Wall) -> Deliverer:
    return Deliverer(
        emulator.events,
        emulator.directory,
        emulator.clock,
        owner="one",
        wall=wall,
        chaos=emulator.chaos,
    )


def create(api: Api, address: str, *filters: str, **extra: Any) -> str:
    body = {
        "eventFilters": list(filters or [MINE]),
        "deliveryMode": {"transportType": "WebHook", "address": address},
        **extra,
    }
    answer = api.client.post(SUBS, json=body, headers=api.headers())
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return str(answer.get_json()["id"])


def flip(api: Api, status: str | None = None) -> str:
    current = api.get(MINE).get_json()["userStatus"]
    new = status or ("Busy" if current != "Busy" else "Available")
    assert api.put(MINE, {"userStatus": new}).status_code == 200
    return new


def explain(client: Client, **query: Any) -> dict[str, Any]:
    answer = client.get(EXPLAIN, query_string=query)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()  # type: ignore[no-any-return]


def row(client: Client, extension: int, subscription: str) -> dict[str, Any]:
    """What the subscription got of the extension's newest change."""
    newest = explain(client, extensionId=extension)["changes"][0]
    [found] = [r for r in newest["subscriptions"] if r["subscriptionId"] == subscription]
    return found  # type: ignore[no-any-return]


def store(emulator: Emulator, subscription: Subscription) -> None:
    emulator.events.subscriptions.store.put_member(
        "subscriptions", subscription.id, subscription.to_record()
    )


def test_a_delivered_webhook(
    admin: Api, client: Client, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    sid = create(admin, hook.url)
    flip(admin)
    deliverer.step()
    hook.wait_for_count(1)
    explained = explain(client, extensionId=admin.owner.id)
    assert explained["keep"] == KEEP and explained["extensionId"] == str(admin.owner.id)
    newest = explained["changes"][0]
    assert newest["considered"] == "logged" and "userStatus" in newest["changed"]
    [got] = newest["subscriptions"]
    assert got["subscriptionId"] == sid and got["reason"] == "delivered" and got["delivered"]
    assert got["transport"] == "WebHook" and got["status"] == 200 and got["attempts"] == 1
    assert got["filter"].endswith(f"/extension/{admin.owner.id}/presence")
    assert isinstance(got["time"], float)


def test_filter_did_not_match_names_the_nearest_filter(
    admin: Api, user: Api, client: Client, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    theirs = f"/restapi/v1.0/account/~/extension/{user.owner.id}/presence"
    sid = create(admin, hook.url, theirs)
    flip(admin)
    deliverer.step()
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "filterDidNotMatch" and not got["delivered"]
    assert got["nearestFilter"].endswith(f"/extension/{user.owner.id}/presence")
    assert str(admin.owner.id) in got["detail"]
    assert hook.deliveries == [] or all(
        d.json.get("body", {}).get("extensionId") != str(admin.owner.id) for d in hook.deliveries
    )


def test_a_change_that_changed_nothing(
    admin: Api, client: Client, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    sid = create(admin, hook.url)
    same = admin.get(MINE).get_json()["userStatus"]
    flip(admin, same)  # the same value again: nothing is published
    deliverer.step()
    newest = explain(client, extensionId=admin.owner.id)["changes"][0]
    assert newest["considered"] == "unchanged" and "position" not in newest
    [got] = newest["subscriptions"]
    assert got["subscriptionId"] == sid and got["reason"] == "noFieldChanged"
    assert not got["delivered"] and hook.deliveries == []


def test_a_hidden_user(
    admin: Api, client: Client, directory: Any, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    watcher_ext = find(directory, lambda e: e.type.is_user and not e.admin)
    watcher = login(client, directory, watcher_ext)
    hidden = find(
        directory,
        lambda e: e.type.is_user and not e.admin and e.id != watcher_ext.id,
    )
    path = f"/restapi/v1.0/account/~/extension/{hidden.id}/presence"
    sid = create(watcher, hook.url, path)
    assert admin.put(path, {"allowSeeMyPresence": False}).status_code == 200
    deliverer.step()
    going = row(client, hidden.id, sid)  # going out of sight: one Offline body, delivered
    assert going["reason"] == "delivered" and "Offline" in going["detail"]
    current = admin.get(path).get_json()["userStatus"]
    admin.put(path, {"userStatus": "Busy" if current != "Busy" else "Available"})
    deliverer.step()
    got = row(client, hidden.id, sid)
    assert got["reason"] == "hiddenUser" and not got["delivered"]
    assert "allowSeeMyPresence" in got["detail"]


def test_missing_permission(
    admin: Api, client: Client, emulator: Emulator, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    sid = create(admin, hook.url)
    found = emulator.events.subscriptions.find(sid)
    assert found is not None
    store(emulator, replace(found, permissions=frozenset({"EditPresence"})))
    flip(admin)
    deliverer.step()
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "missingPermission" and "ReadPresence" in got["detail"]
    assert hook.deliveries[1:] == []  # the handshake only


def test_expired(
    admin: Api, client: Client, emulator: Emulator, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    sid = create(admin, hook.url, expiresIn=60)
    emulator.clock.advance(61)
    flip(admin)
    deliverer.step()
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "expired" and "expired at" in got["detail"]


def test_blacklisted(
    admin: Api,
    client: Client,
    emulator: Emulator,
    hook: WebhookReceiver,
    deliverer: Deliverer,
    wall: Wall,
) -> None:
    sid = create(admin, hook.url)
    hook.status = 404
    flip(admin)
    deliverer.step()
    emulator.clock.advance(601)
    wall.now += 2
    deliverer.step()  # ten minutes of failures: blacklisted
    failing = row(client, admin.owner.id, sid)
    assert failing["reason"] == "receiverFailed" and failing["status"] == 404
    assert failing["attempts"] == 2
    flip(admin)
    deliverer.step()
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "blacklisted" and "[404]" in got["detail"]


def test_suspended(
    admin: Api, client: Client, emulator: Emulator, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    sid = create(admin, hook.url)
    found = emulator.events.subscriptions.find(sid)
    assert found is not None
    store(emulator, replace(found, status="Suspended"))
    flip(admin)
    deliverer.step()
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "suspended" and "Suspended" in got["detail"]


def test_a_chaos_rule(
    admin: Api, client: Client, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    sid = create(admin, hook.url)
    rules = {"rules": [{"operation": "webhookDelivery", "fault": "503", "next": 1}]}
    assert client.put("/_mock/chaos", json=rules).status_code == 200
    try:
        flip(admin)
        deliverer.step()
    finally:
        client.delete("/_mock/chaos")
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "chaosRule" and got["fault"] == "503" and not got["delivered"]
    assert "webhookDelivery" in got["detail"]


def test_a_receiver_that_rate_limits(
    admin: Api, client: Client, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    sid = create(admin, hook.url)
    hook.status = 429
    flip(admin)
    deliverer.step()
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "rate" and got["status"] == 429


def test_a_failing_receiver_then_a_retry_that_lands(
    admin: Api, client: Client, hook: WebhookReceiver, deliverer: Deliverer, wall: Wall
) -> None:
    sid = create(admin, hook.url)
    hook.status = 500
    flip(admin)
    deliverer.step()
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "receiverFailed" and "[500]" in got["detail"]
    hook.status = 200
    wall.now += 1.01
    deliverer.step()
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "delivered" and got["attempts"] == 2


def test_pending_until_the_deliverer_comes(
    admin: Api, client: Client, hook: WebhookReceiver
) -> None:
    sid = create(admin, hook.url)
    flip(admin)  # no deliverer has stepped: judged as the read comes
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "pending" and "deliverer" in got["detail"]


def test_what_was_weighed_outlives_the_subscription(
    admin: Api, client: Client, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    sid = create(admin, hook.url)
    flip(admin)
    deliverer.step()
    assert admin.client.delete(f"{SUBS}/{sid}", headers=admin.headers()).status_code == 204
    got = row(client, admin.owner.id, sid)
    assert got["reason"] == "delivered"
    by_subscription = explain(client, subscriptionId=sid)
    assert [
        r["subscriptionId"] for c in by_subscription["changes"] for r in c["subscriptions"]
    ] == [sid]


def test_a_websocket_subscription_and_an_account_filter(
    admin: Api, user: Api, client: Client, emulator: Emulator, deliverer: Deliverer
) -> None:
    app = emulator.directory.apps[0]
    owner = Caller(admin.owner.account_id, admin.owner.id, app.client_id, True, app.permissions, 0)
    body = {"eventFilters": [ACCOUNT], "deliveryMode": {"transportType": WEBSOCKET}}
    made = emulator.events.subscriptions.create(owner, body, transport=WEBSOCKET, session_id="s")
    flip(user)
    deliverer.step()
    got = row(client, user.owner.id, made.id)
    assert got["transport"] == "WebSocket" and got["reason"] == "pending"
    assert got["filter"].endswith("/presence") and "/extension/" not in got["filter"]


def test_bad_questions_are_400s_and_404s(client: Client) -> None:
    assert_error(client.get(EXPLAIN), 400, "CMN-101")
    assert_error(client.get(EXPLAIN, query_string={"extensionId": "x"}), 400, "CMN-101")
    assert_error(client.get(EXPLAIN, query_string={"extensionId": "1"}), 404, "CMN-102")
    assert_error(
        client.get(EXPLAIN, query_string={"subscriptionId": "s", "limit": 0}), 400, "CMN-101"
    )
    assert explain(client, subscriptionId="nobody")["changes"] == []


def test_a_write_repeated_in_a_loop_is_said_once_a_second(
    admin: Api, client: Client, emulator: Emulator
) -> None:
    same = admin.get(MINE).get_json()["userStatus"]
    for _ in range(5):
        flip(admin, same)
    unchanged = [e for e in emulator.events.explained.entries() if e["kind"] == "unchanged"]
    assert len(unchanged) == 1
    emulator.reset()  # the journal emptied: the next one is said again
    flip(admin, admin.get(MINE).get_json()["userStatus"])
    unchanged = [e for e in emulator.events.explained.entries() if e["kind"] == "unchanged"]
    assert len(unchanged) == 1 and unchanged[0]["extensionId"] == str(admin.owner.id)


@pytest.mark.parametrize("controls", ["off", "token"])
def test_the_explanation_obeys_the_controls_lock(controls: str, directory: Any) -> None:
    secret = "s3cret-controls-token"
    token = secret if controls == "token" else None
    emulator = Emulator.from_settings(Settings(controls=controls, controls_token=token))
    app = create_app(emulator=emulator).test_client()
    query = {"extensionId": directory.accounts[0].administrator.id}
    assert app.get(EXPLAIN, query_string=query).status_code == {"off": 404, "token": 401}[controls]
    if controls == "token":
        opened = app.get(EXPLAIN, query_string=query, headers={"Authorization": f"Bearer {secret}"})
        assert opened.status_code == 200 and opened.get_json()["changes"] == []
