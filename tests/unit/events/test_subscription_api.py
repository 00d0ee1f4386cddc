"""WebHook subscriptions over REST and their delivery (docs/contract.md#subscriptions-webhook),
against a real receiver on loopback; the WebHook deliverer driven step by step with the emulator's
clock and a fake wall clock for its retry waits (no test sleeps)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from mockserver import schemas
from mockserver.emulator import Emulator
from mockserver.events.delivery import Deliverer
from mockserver.events.webhooks import Answer, Outgoing
from presence_mock_kit.receiver import WebhookReceiver
from tests.support.answers import assert_error
from tests.support.live_server import free_port
from tests.support.login import Api

SUBS = "/restapi/v1.0/subscription"
MINE = "/restapi/v1.0/account/~/extension/~/presence"


class Wall:
    """A wall clock the test moves (the deliverer's retry waits and leases)."""

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
    return Deliverer(emulator.events, emulator.directory, emulator.clock, owner="one", wall=wall)


def post(api: Api, path: str, body: Any = None) -> Any:
    return api.client.post(path, json=body, headers=api.headers())


def create(api: Api, address: str, *filters: str, **extra: Any) -> dict[str, Any]:
    mode = {"transportType": "WebHook", "address": address, **extra.pop("mode", {})}
    body = {"eventFilters": list(filters or [MINE]), "deliveryMode": mode, **extra}
    answer = post(api, SUBS, body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()  # type: ignore[no-any-return]


def flip(api: Api, status: str | None = None) -> str:
    """Change the caller's own userStatus; the new value."""
    current = api.get(MINE).get_json()["userStatus"]
    new = status or ("Busy" if current != "Busy" else "Available")
    assert api.put(MINE, {"userStatus": new}).status_code == 200
    return new


def test_create_with_and_without_slash(admin: Api, hook: WebhookReceiver) -> None:
    first = create(admin, hook.url, mode={"verificationToken": "secret-1"})
    answer = post(
        admin,
        SUBS + "/",
        {"eventFilters": [MINE], "deliveryMode": {"transportType": "WebHook", "address": hook.url}},
    )
    assert answer.status_code == 200
    owner = admin.owner
    assert first["eventFilters"] == [
        f"/restapi/v1.0/account/{owner.account_id}/extension/{owner.id}/presence"
    ]
    assert first["status"] == "Active" and first["expiresIn"] == 604_799
    assert first["deliveryMode"] == {
        "transportType": "WebHook",
        "address": hook.url,
        "encryption": False,
    }
    assert first["uri"] == f"http://localhost{SUBS}/{first['id']}"
    assert first["creationTime"].endswith("Z") and first["expirationTime"].endswith("Z")
    assert len(hook.handshakes) == 2 and hook.handshakes[0].header("Validation-Token")
    assert "secret-1" not in str(first)


def test_list_read_update_renew_delete(
    admin: Api, user: Api, hook: WebhookReceiver, emulator: Emulator
) -> None:
    made = create(admin, hook.url)
    listed = admin.get(SUBS).get_json()
    assert [r["id"] for r in listed["records"]] == [made["id"]]
    assert listed["uri"] == f"http://localhost{SUBS}"
    assert user.get(SUBS).get_json()["records"] == []
    assert_error(user.get(f"{SUBS}/{made['id']}"), 404, "CMN-102")
    assert admin.get(f"{SUBS}/{made['id']}").get_json()["id"] == made["id"]
    emulator.clock.advance(1000)
    renewed = admin.client.put(f"{SUBS}/{made['id']}", headers=admin.headers())
    assert renewed.status_code == 200 and renewed.get_json()["expiresIn"] == 604_799
    account = "/restapi/v1.0/account/~/presence?detailedTelephonyState=true"
    changed = admin.client.put(
        f"{SUBS}/{made['id']}",
        json={"eventFilters": [account], "expiresIn": 3600},
        headers=admin.headers(),
    ).get_json()
    assert changed["eventFilters"] == [
        f"/restapi/v1.0/account/{admin.owner.account_id}/presence?detailedTelephonyState=true"
    ]
    assert changed["expiresIn"] == 3600
    emulator.clock.advance(100)
    again = post(admin, f"{SUBS}/{made['id']}/renew").get_json()
    assert again["expiresIn"] == 3600
    assert admin.client.delete(f"{SUBS}/{made['id']}", headers=admin.headers()).status_code == 204
    assert_error(admin.get(f"{SUBS}/{made['id']}"), 404, "CMN-102")


def test_the_handshake_must_echo_the_token(
    admin: Api, hook: WebhookReceiver, emulator: Emulator
) -> None:
    body = {
        "eventFilters": [MINE],
        "deliveryMode": {"transportType": "WebHook", "address": hook.url},
    }
    hook.echo = False
    assert_error(post(admin, SUBS, body), 400, "SUB-520")
    closed = f"http://127.0.0.1:{free_port()}/hook"
    body["deliveryMode"]["address"] = closed
    assert_error(post(admin, SUBS, body), 400, "SUB-521")
    receivers = emulator.events.transport.receivers
    for answer in (Answer(500), Answer(200, {"Validation-Token": "x"}, b"x" * 2000)):
        receivers["https://bad.test/"] = lambda _outgoing, a=answer: a
        body["deliveryMode"]["address"] = "https://bad.test/hook"
        assert_error(post(admin, SUBS, body), 400, "SUB-525")
    del receivers["https://bad.test/"]
    assert admin.get(SUBS).get_json()["records"] == []


def test_refusals(admin: Api, hook: WebhookReceiver, emulator: Emulator) -> None:
    pubnub = {"eventFilters": [MINE], "deliveryMode": {"transportType": "PubNub"}}
    body = assert_error(
        post(admin, SUBS, pubnub), 400, "CMN-101", parameterName="deliveryMode.transportType"
    )
    assert "retired" in body["message"]
    other = f"/restapi/v1.0/account/{emulator.directory.accounts[1].id}/presence"
    assert_error(
        post(
            admin,
            SUBS,
            {
                "eventFilters": [other],
                "deliveryMode": {"transportType": "WebHook", "address": hook.url},
            },
        ),
        403,  # as recorded (decision FID-19)
        "SUB-406",
    )
    reminder = "/restapi/v1.0/subscription/~?threshold=10&interval=9"
    assert_error(
        post(
            admin,
            SUBS,
            {
                "eventFilters": [reminder],
                "deliveryMode": {"transportType": "WebHook", "address": hook.url},
            },
        ),
        400,
        "SUB-516",
    )
    emulator.events.subscriptions.https_only = True
    try:
        assert_error(
            post(
                admin,
                SUBS,
                {
                    "eventFilters": [MINE],
                    "deliveryMode": {"transportType": "WebHook", "address": hook.url},
                },
            ),
            400,
            "SUB-523",
        )
    finally:
        emulator.events.subscriptions.https_only = False
    made = create(admin, hook.url, MINE, "/restapi/v1.0/account/~/extension/~/message-store")
    assert (
        made["disabledFilters"][0]["filter"] == "/restapi/v1.0/account/~/extension/~/message-store"
    )


def test_a_put_is_delivered_once_with_the_platforms_headers(
    admin: Api, hook: WebhookReceiver, deliverer: Deliverer, client: Client
) -> None:
    made = create(admin, hook.url, mode={"verificationToken": "tok-9"})
    new = flip(admin)
    assert deliverer.step() == 1
    assert deliverer.step() == 0
    [got] = hook.wait_for_count(1)
    assert got.header("Content-Type") == "application/json; charset=UTF-8"
    assert got.header("User-Agent") == "RingCentral-Webhook/8.3"
    assert got.header("Verification-Token") == got.header("Validation-Token") == "tok-9"
    envelope = got.json
    schemas.check("extension-presence-event", envelope, strict=True)
    assert envelope["subscriptionId"] == made["id"] and envelope["body"]["userStatus"] == new
    journal = client.get("/_mock/events").get_json()["records"]
    assert [(e["status"], e["delivered"], e["event"]["uuid"]) for e in journal] == [
        (200, True, envelope["uuid"])
    ]


def test_deliveries_keep_the_order_of_the_changes(
    admin: Api, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    create(admin, hook.url)
    for status in ("Busy", "Available", "Offline", "Busy"):
        flip(admin, status)
    deliverer.step()
    got = [d.json["body"] for d in hook.wait_for_count(4)]
    sequences = [b["sequence"] for b in got]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert got[-1]["userStatus"] == "Busy"


def test_a_failure_is_retried_and_ten_minutes_of_failures_blacklist(
    admin: Api, hook: WebhookReceiver, deliverer: Deliverer, wall: Wall, emulator: Emulator
) -> None:
    made = create(admin, hook.url)
    hook.status = 503
    flip(admin)
    deliverer.step()
    assert deliverer.step() == 0  # the retry waits 1 s
    wall.now += 1.01
    hook.status = 200
    assert deliverer.step() == 1
    first, second = hook.wait_for_count(2)
    assert first.json["uuid"] == second.json["uuid"]
    attempts = [(e["attempt"], e["status"]) for e in emulator.events.delivered.entries()]
    assert attempts == [(1, 503), (2, 200)]
    # Now failing for good: retries, then 10 minutes of emulator time, then blacklisted.
    hook.status = 404
    flip(admin)
    deliverer.step()
    emulator.clock.advance(601)
    wall.now += 2
    deliverer.step()
    read = admin.get(f"{SUBS}/{made['id']}").get_json()
    assert read["status"] == "Blacklisted"
    assert (
        read["blacklistedData"]["reason"]
        == "Webhook responses with code: [404], reason: [Not Found]"
    )
    assert post(admin, f"{SUBS}/{made['id']}/renew").get_json()["status"] == "Blacklisted"
    hook.status = 200
    before = len(hook.deliveries)
    flip(admin)
    wall.now += 10
    assert deliverer.step() == 0 and len(hook.deliveries) == before


def test_nothing_is_delivered_after_expiry(
    admin: Api, hook: WebhookReceiver, deliverer: Deliverer, emulator: Emulator
) -> None:
    made = create(admin, hook.url, expiresIn=60)
    emulator.clock.advance(61)
    flip(admin)
    assert deliverer.step() == 0 and hook.deliveries == []
    assert_error(admin.get(f"{SUBS}/{made['id']}"), 404, "CMN-102")


def test_a_dead_deliverers_subscription_is_taken_over(
    admin: Api, hook: WebhookReceiver, emulator: Emulator, wall: Wall
) -> None:
    one = Deliverer(emulator.events, emulator.directory, emulator.clock, owner="one", wall=wall)
    two = Deliverer(emulator.events, emulator.directory, emulator.clock, owner="two", wall=wall)
    create(admin, hook.url)
    flip(admin)
    assert one.step() == 1
    flip(admin)  # one dies before delivering this
    assert two.step() == 0
    wall.now += 31
    assert two.step() == 1
    assert [d.json["body"]["sequence"] for d in hook.wait_for_count(2)] == sorted(
        {d.json["body"]["sequence"] for d in hook.deliveries}
    )


def test_reminders_come_before_expiry(
    admin: Api, hook: WebhookReceiver, deliverer: Deliverer, emulator: Emulator
) -> None:
    reminder = "/restapi/v1.0/subscription/~?threshold=60&interval=30"
    made = create(admin, hook.url, MINE, reminder, expiresIn=200)
    assert reminder in made["eventFilters"]
    assert deliverer.step() == 0
    emulator.clock.advance(150)
    assert deliverer.step() == 1
    assert deliverer.step() == 0
    emulator.clock.advance(31)
    assert deliverer.step() == 1
    first, second = hook.wait_for_count(2)
    assert first.json["event"] == reminder and first.json["subscriptionId"] == made["id"]
    assert 0 < second.json["body"]["expiresIn"] < first.json["body"]["expiresIn"] <= 60


def test_other_users_changes_reach_an_account_subscription(
    admin: Api, user: Api, hook: WebhookReceiver, deliverer: Deliverer
) -> None:
    create(admin, hook.url, "/restapi/v1.0/account/~/presence")
    flip(user)
    deliverer.step()
    [got] = hook.wait_for_count(1)
    schemas.check("account-presence-event", got.json, strict=True)
    assert got.json["body"]["extensionId"] == str(user.owner.id)


def test_a_callable_receiver(admin: Api, emulator: Emulator, deliverer: Deliverer) -> None:
    got: list[Outgoing] = []

    def receive(outgoing: Outgoing) -> Answer:
        got.append(outgoing)
        return Answer(200, {"Validation-Token": outgoing.headers.get("Validation-Token", "")})

    emulator.events.transport.receivers["https://hook.test/"] = receive
    try:
        create(admin, "https://hook.test/x")
        flip(admin)
        deliverer.step()
    finally:
        del emulator.events.transport.receivers["https://hook.test/"]
    assert len(got) == 2 and got[1].json()["body"]["extensionId"] == str(admin.owner.id)
