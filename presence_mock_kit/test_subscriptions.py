"""Subscriptions and their events, through a WebHook receiver the kit starts
(docs/contract.md#subscriptions-webhook).

Read-only runs check the list; with --presence-allow-writes the kit creates a WebHook
subscription to its receiver (the `Validation-Token` handshake), reads, renews and deletes it,
and checks that a PUT of its own presence comes back as the matching event: envelope and body
schemas, the platform's headers, `event`, `subscriptionId`, `ownerId` and a growing `sequence`.
A target that cannot POST to the kit's loopback receiver needs --presence-webhook-url (a
tunnel's public URL); without it those cases are skipped saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from .checks import conforms, error_body, json_body, status
from .client import Exchange, Target
from .conftest import _MOCK_KEY, is_loopback
from .explained import explanation
from .findings import Verdict
from .plugin import flag
from .receiver import Received, WebhookReceiver
from .surfaces import EVENTS
from .surfaces import SUBSCRIPTION as ENDPOINT

SUBS = "/restapi/v1.0/subscription"
OWN = "/restapi/v1.0/account/~/extension/~/presence"
OWN_DETAILED = OWN + "?detailedTelephonyState=true"
# Seconds for an event to arrive: the platform's delivery is not instant; a local one is.
WAIT, LOCAL_WAIT = 15.0, 3.0
TOKEN = "presence-mock-kit-token"

pytestmark = pytest.mark.endpoint(ENDPOINT)


@pytest.fixture(scope="module")
def hook(pytestconfig: pytest.Config, target: Target) -> Iterator[tuple[WebhookReceiver, str]]:
    """The kit's receiver, and the address the target is told to POST to."""
    public = pytestconfig.getoption("presence_webhook_url")
    port = pytestconfig.getoption("presence_webhook_port") or 0
    with WebhookReceiver(port=port) as receiver:
        yield receiver, public or receiver.url


@pytest.fixture
def reachable(pytestconfig: pytest.Config, target: Target) -> bool:
    """Whether the target is local (in process or on loopback): it reaches the receiver, and
    delivers at once. A remote target needs --presence-webhook-url, else the case is skipped."""
    local = is_loopback(target.base_url) or pytestconfig.stash.get(_MOCK_KEY, None) is not None
    if not local and not pytestconfig.getoption("presence_webhook_url"):
        pytest.skip(
            "the target cannot reach the kit's loopback receiver: pass "
            f"{flag(pytestconfig, 'webhook-url')} (a public URL that forwards to "
            f"{flag(pytestconfig, 'webhook-port')})"
        )
    return local


@pytest.fixture
def subscription(
    target: Target,
    allow_writes: bool,
    reachable: bool,
    hook: tuple[WebhookReceiver, str],
    pytestconfig: pytest.Config,
) -> Iterator[tuple[Exchange, dict[str, Any]]]:
    """A WebHook subscription to the kit's receiver (deleted afterwards)."""
    if not allow_writes:
        pytest.skip(f"read-only run: writes need {flag(pytestconfig, 'allow-writes')}")
    _, address = hook
    body = {
        "eventFilters": [OWN_DETAILED],
        "deliveryMode": {
            "transportType": "WebHook",
            "address": address,
            "verificationToken": TOKEN,
        },
        "expiresIn": 3600,
    }
    answer = target.request("POST", SUBS, json=body)
    if answer.status != 200:
        pytest.fail(f"cannot create a subscription: {answer.described()}", pytrace=False)
    created = answer.json()
    yield answer, created
    target.request("DELETE", f"{SUBS}/{created.get('id')}")


def test_the_list_conforms(target: Target, verdict: Verdict) -> None:
    conforms(verdict, target.get(SUBS), "subscription-list-resource")
    verdict.settle()


def test_create_shakes_hands_and_answers_subscription_info(
    target: Target,
    verdict: Verdict,
    hook: tuple[WebhookReceiver, str],
    subscription: tuple[Exchange, dict[str, Any]],
) -> None:
    receiver, address = hook
    answer, body = subscription
    verdict.schema(answer, "subscription-info", body)
    verdict.expect(
        len(receiver.handshakes) > 0 and bool(receiver.handshakes[-1].header("Validation-Token")),
        answer,
        "the receiver",
        "create POSTs a Validation-Token handshake to the address first "
        "(docs/contract.md#webhook-handshake)",
        f"{len(receiver.handshakes)} handshake(s)",
        "a POST with a Validation-Token header",
    )
    for path, found, want in (
        ("$.status", body.get("status"), "Active"),
        ("$.deliveryMode.address", (body.get("deliveryMode") or {}).get("address"), address),
        (
            "$.deliveryMode.transportType",
            (body.get("deliveryMode") or {}).get("transportType"),
            "WebHook",
        ),
    ):
        verdict.expect(found == want, answer, path, "the subscription as asked", found, want)
    filters = body.get("eventFilters") or []
    verdict.expect(
        len(filters) == 1
        and "~" not in str(filters[0])
        and str(filters[0]).endswith("/presence?detailedTelephonyState=true"),
        answer,
        "$.eventFilters",
        "the filter with `~` resolved to IDs, its query kept (docs/contract.md#event-filters)",
        filters,
        "['/restapi/v1.0/account/<id>/extension/<id>/presence?detailedTelephonyState=true']",
    )
    verdict.expect(
        TOKEN not in answer.content.decode("utf-8", "replace"),
        answer,
        "$.deliveryMode",
        "the reply never echoes verificationToken (docs/contract.md#subscriptions-webhook)",
        "the token",
        "no token",
    )
    read = target.get(f"{SUBS}/{body.get('id')}")
    if status(verdict, read, 200):
        got = json_body(verdict, read)
        verdict.schema(read, "subscription-info", got)
        verdict.expect(
            got.get("id") == body.get("id"),
            read,
            "$.id",
            "read by ID",
            got.get("id"),
            body.get("id"),
        )
    listed = target.get(SUBS)
    if status(verdict, listed, 200):
        ids = [r.get("id") for r in json_body(verdict, listed).get("records", [])]
        verdict.expect(
            body.get("id") in ids, listed, "$.records[*].id", "listed", ids, body.get("id")
        )
    verdict.settle()


def test_renew_update_and_delete(
    target: Target, verdict: Verdict, subscription: tuple[Exchange, dict[str, Any]]
) -> None:
    _, body = subscription
    path = f"{SUBS}/{body.get('id')}"
    for answer in (target.request("POST", f"{path}/renew"), target.request("PUT", path)):
        if status(verdict, answer, 200):
            renewed = json_body(verdict, answer)
            verdict.schema(answer, "subscription-info", renewed)
    deleted = target.request("DELETE", path)
    status(verdict, deleted, 204)
    gone = target.get(path)
    status(verdict, gone, 404)
    verdict.settle()


@pytest.mark.endpoint(EVENTS)
def test_a_put_produces_the_matching_event(
    target: Target,
    verdict: Verdict,
    hook: tuple[WebhookReceiver, str],
    subscription: tuple[Exchange, dict[str, Any]],
    reachable: bool,
) -> None:
    receiver, _ = hook
    created, body = subscription
    own = target.get(OWN)
    if not status(verdict, own, 200):
        verdict.settle()
    before = own.json()
    ext_id = str((before.get("extension") or {}).get("id"))
    sequences: list[int] = []
    try:
        for new in _two_changes(before.get("userStatus")):
            started = len(receiver.deliveries)
            put = target.put(OWN, {"userStatus": new})
            if not status(verdict, put, 200):
                break
            wait = LOCAL_WAIT if reachable else WAIT
            delivery = _wait(receiver, started, body.get("id"), new, wait)
            # The emulator says why (docs/explain.md); another server adds nothing.
            why = explanation(target.base_url, str(body.get("id")), ext_id) if not delivery else ""
            if not verdict.expect(
                delivery is not None,
                put,
                "the receiver",
                "a PUT produces the matching event at the subscription's address",
                f"nothing with userStatus {new!r} in {wait:.0f} s{why}",
                f"an event with userStatus {new!r}",
            ):
                break
            assert delivery is not None
            sequences.append(_judge(verdict, delivery, body, ext_id))
    finally:
        target.put(OWN, {"userStatus": before.get("userStatus", "Available")})
    if len(sequences) == 2:
        verdict.expect(
            sequences[1] > sequences[0],
            created,
            "body.sequence",
            "sequence grows with each event of an extension (docs/contract.md#event-bodies)",
            sequences,
            "growing numbers",
        )
    verdict.settle()


def _two_changes(current: Any) -> list[str]:
    first = "Busy" if current != "Busy" else "Available"
    return [first, "Offline" if first != "Offline" else "Available"]


def _wait(
    receiver: WebhookReceiver, start: int, subscription_id: Any, status: str, wait: float
) -> Received | None:
    def matches(delivery: Received) -> bool:
        envelope = delivery.json
        return (
            receiver.deliveries.index(delivery) >= start
            and envelope.get("subscriptionId") == subscription_id
            and envelope.get("body", {}).get("userStatus") == status
        )

    try:
        return receiver.wait_for(matches, timeout=wait)
    except TimeoutError:
        return None


def _judge(verdict: Verdict, delivery: Received, subscription: dict[str, Any], ext_id: str) -> int:
    exchange = Exchange(
        method="POST",
        url=delivery.path,
        path=delivery.path,
        status=200,
        headers=CaseInsensitiveDict(delivery.headers),
        content=delivery.body,
        line=f"POST (WebHook delivery to the kit's receiver) {delivery.path}",
    )
    envelope = delivery.json
    verdict.schema(exchange, "detailed-extension-presence-event", envelope)
    content_type = delivery.header("Content-Type") or ""
    verdict.expect(
        content_type.lower().startswith("application/json"),
        exchange,
        "Content-Type header",
        "a delivery is a JSON POST (docs/contract.md#webhook-delivery)",
        content_type,
        "application/json; charset=UTF-8",
    )
    verdict.expect(
        TOKEN in (delivery.header("Verification-Token"), delivery.header("Validation-Token")),
        exchange,
        "Verification-Token / Validation-Token header",
        "the subscription's verificationToken comes back with every delivery "
        "(docs/contract.md#webhook-delivery)",
        [delivery.header("Verification-Token"), delivery.header("Validation-Token")],
        TOKEN,
    )
    filters = subscription.get("eventFilters") or [None]
    body = envelope.get("body") or {}
    for path, found, want, rule in (
        (
            "$.event",
            envelope.get("event"),
            filters[0],
            "event is the subscribed filter (docs/contract.md#notification-envelope)",
        ),
        (
            "$.subscriptionId",
            envelope.get("subscriptionId"),
            subscription.get("id"),
            "the subscription's ID",
        ),
        (
            "$.body.extensionId",
            body.get("extensionId"),
            ext_id,
            "the changed extension, as a string",
        ),
        (
            "$.ownerId",
            envelope.get("ownerId"),
            body.get("ownerId"),
            "ownerId at the top and in the body (docs/contract.md#notification-envelope)",
        ),
    ):
        verdict.expect(found == want, exchange, path, rule, found, want)
    sequence = body.get("sequence")
    return sequence if isinstance(sequence, int) else -1


def test_a_handshake_that_is_not_echoed_is_sub_520(
    target: Target,
    verdict: Verdict,
    allow_writes: bool,
    reachable: bool,
    pytestconfig: pytest.Config,
) -> None:
    if not allow_writes:
        pytest.skip(f"read-only run: writes need {flag(pytestconfig, 'allow-writes')}")
    if pytestconfig.getoption("presence_webhook_url"):
        pytest.skip("needs a second receiver the target can reach: loopback targets only")
    with WebhookReceiver() as silent:
        silent.echo = False
        body = {
            "eventFilters": [OWN],
            "deliveryMode": {"transportType": "WebHook", "address": silent.url},
        }
        answer = target.request("POST", SUBS, json=body)
        if answer.status == 200:  # do not leave it behind
            target.request("DELETE", f"{SUBS}/{answer.json().get('id')}")
        error_body(verdict, answer, 400, "SUB-520", None)
    verdict.settle()
