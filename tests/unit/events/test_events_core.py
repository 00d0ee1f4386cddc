"""The events core: publisher, event log, envelope_for and SubscriptionService."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from mockserver import schemas
from mockserver.config import Settings
from mockserver.directory.model import Directory, Extension
from mockserver.emulator import Emulator
from mockserver.errors import (
    InvalidParameter,
    InvalidReminder,
    OtherAccountFilters,
    ResourceNotFound,
    SubscriptionLimit,
)
from mockserver.events.log import LoggedChange, canonical
from mockserver.events.matching import envelope_for
from mockserver.events.publisher import Publisher
from mockserver.events.subscriptions import WEBSOCKET, Subscription
from mockserver.platform.tokens import Caller
from tests.support.answers import find
from tests.support.login import Api

EXT = "/restapi/v1.0/account/~/extension/{}/presence"
ACCOUNT = "/restapi/v1.0/account/~/presence"
SCHEMAS = {
    "": "extension-presence-event",
    "?detailedTelephonyState=true": "detailed-extension-presence-event",
    "?detailedTelephonyState=true&sipData=true": "detailed-extension-presence-with-sip-event",
}


def caller_of(ext: Extension, emulator: Emulator, admin: bool | None = None) -> Caller:
    permissions = emulator.directory.apps[0].permissions
    is_admin = ext.admin if admin is None else admin
    return Caller(
        ext.account_id, ext.id, emulator.directory.apps[0].client_id, is_admin, permissions, 0
    )


def subscribe(emulator: Emulator, owner: Caller, *filters: str) -> Subscription:
    body = {"eventFilters": list(filters), "deliveryMode": {"transportType": WEBSOCKET}}
    return emulator.events.subscriptions.create(owner, body, transport=WEBSOCKET, session_id="s")


def busy_free(directory: Directory) -> Extension:
    """A visible user of the first account with calls in the seed (for the detailed bodies)."""
    return find(
        directory,
        lambda e: (
            e.type.is_user
            and not e.admin
            and e.settings.get("allowSeeMyPresence", True)
            and len(e.active_calls) > 0
        ),
    )


def other_status(ext: Extension) -> dict[str, str]:
    """A PUT body that changes the seeded userStatus."""
    return {"userStatus": "Busy" if ext.settings.get("userStatus") != "Busy" else "Available"}


def new_changes(emulator: Emulator, after: int) -> list[LoggedChange]:
    return emulator.events.log.after(after)


def test_a_put_logs_one_change_with_its_sequence(admin: Api, emulator: Emulator) -> None:
    ext = busy_free(emulator.directory)
    start = emulator.events.log.last()
    assert admin.put(EXT.format(ext.id), other_status(ext)).status_code == 200
    [change] = new_changes(emulator, start)
    assert change.extension_id == ext.id and change.account_id == ext.account_id
    assert change.body["userStatus"] == other_status(ext)["userStatus"] and change.body[
        "extensionId"
    ] == str(ext.id)
    assert change.body["activeCalls"] and "sipData" in change.body["activeCalls"][0]
    first = change.sequence
    # The same again, or a field no event carries: nothing logged.
    admin.put(EXT.format(ext.id), other_status(ext))
    admin.put(EXT.format(ext.id), {"message": "lunch"})
    assert new_changes(emulator, change.position) == []
    admin.put(EXT.format(ext.id), {"dndStatus": "DoNotAcceptAnyCalls"})
    [later] = new_changes(emulator, change.position)
    assert later.sequence == first + 1 and later.position > change.position


def test_a_reset_publishes_what_it_changed(admin: Api, emulator: Emulator, client: Any) -> None:
    ext = busy_free(emulator.directory)
    admin.put(EXT.format(ext.id), {"userStatus": "Offline"})
    start = emulator.events.log.last()
    assert client.post("/_mock/reset").status_code == 200
    [change] = new_changes(emulator, start)
    assert change.extension_id == ext.id
    assert change.body["userStatus"] == ext.settings.get("userStatus", "Available")


def test_unified_presence_publishes_too(admin: Api, emulator: Emulator) -> None:
    ext = admin.owner
    assert ext.settings.get("dndStatus", "TakeAllCalls") != "DoNotAcceptAnyCalls"
    start = emulator.events.log.last()
    path = f"/restapi/v1.0/account/~/extension/{ext.id}/unified-presence"
    answer = admin.client.patch(
        path, json={"telephony": {"availability": "DoNotAcceptAnyCalls"}}, headers=admin.headers()
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    [change] = new_changes(emulator, start)
    assert change.body["dndStatus"] == "DoNotAcceptAnyCalls"


@pytest.mark.parametrize("query", list(SCHEMAS))
def test_each_extension_filter_gets_its_body(admin: Api, emulator: Emulator, query: str) -> None:
    ext = busy_free(emulator.directory)
    sub = subscribe(emulator, caller_of(admin.owner, emulator), EXT.format(ext.id) + query)
    assert sub.event_filters == (
        f"/restapi/v1.0/account/{ext.account_id}/extension/{ext.id}/presence{query}",
    )
    admin.put(EXT.format(ext.id), other_status(ext))
    [change] = new_changes(emulator, sub.start)
    envelope = envelope_for(sub, change, emulator)
    assert envelope is not None
    schemas.check(SCHEMAS[query], envelope, strict=True)
    assert envelope["event"] == sub.event_filters[0]
    assert envelope["subscriptionId"] == sub.id
    assert envelope["ownerId"] == envelope["body"]["ownerId"] == str(admin.owner.id)
    assert envelope["timestamp"].endswith("Z") and len(envelope["timestamp"]) == 24
    body = envelope["body"]
    assert body["extensionId"] == str(ext.id) and body["sequence"] == change.sequence
    if query:
        assert body["totalActiveCalls"] == len(ext.active_calls)
        assert len(body["activeCalls"]) == min(7, len(ext.active_calls))
        assert ("sipData" in body["activeCalls"][0]) == ("sipData" in query)
    else:
        assert "activeCalls" not in body


def test_the_account_filter_names_the_extension(admin: Api, emulator: Emulator) -> None:
    ext = busy_free(emulator.directory)
    sub = subscribe(emulator, caller_of(admin.owner, emulator), ACCOUNT)
    assert sub.event_filters == (f"/restapi/v1.0/account/{ext.account_id}/presence",)
    admin.put(EXT.format(ext.id), other_status(ext))
    [change] = new_changes(emulator, sub.start)
    envelope = envelope_for(sub, change, emulator)
    assert envelope is not None
    schemas.check("account-presence-event", envelope, strict=True)
    assert (
        envelope["event"] == f"/restapi/v1.0/account/{ext.account_id}/extension/{ext.id}/presence"
    )


def test_only_the_most_detailed_filter_fires(admin: Api, emulator: Emulator) -> None:
    ext = busy_free(emulator.directory)
    path = EXT.format(ext.id)
    sub = subscribe(
        emulator,
        caller_of(admin.owner, emulator),
        path,
        ACCOUNT,
        path + "?detailedTelephonyState=true&sipData=true",
        path + "?detailedTelephonyState=true",
    )
    admin.put(path, other_status(ext))
    [change] = new_changes(emulator, sub.start)
    envelope = envelope_for(sub, change, emulator)
    assert envelope is not None and envelope["event"].endswith("sipData=true")


def test_a_hidden_user_is_offline_to_others_and_real_to_an_admin(
    admin: Api, user: Api, emulator: Emulator
) -> None:
    ext = busy_free(emulator.directory)
    path = EXT.format(ext.id)
    watcher = subscribe(emulator, caller_of(user.owner, emulator), path)
    boss = subscribe(emulator, caller_of(admin.owner, emulator), path)
    admin.put(path, {"allowSeeMyPresence": False})
    admin.put(
        path, {"userStatus": "Offline" if ext.settings.get("userStatus") != "Offline" else "Busy"}
    )
    hidden, busy = new_changes(emulator, watcher.start)
    gone = envelope_for(watcher, hidden, emulator)
    assert gone is not None and gone["body"]["presenceStatus"] == "Offline"
    assert set(gone["body"]) == {"extensionId", "sequence", "presenceStatus", "ownerId"}
    assert envelope_for(watcher, busy, emulator) is None  # nothing it may see changed
    seen = envelope_for(boss, busy, emulator)
    assert seen is not None and seen["body"]["userStatus"] == busy.body["userStatus"]


def test_no_read_permission_no_event(admin: Api, emulator: Emulator) -> None:
    ext = busy_free(emulator.directory)
    owner = caller_of(admin.owner, emulator)
    sub = subscribe(emulator, owner, EXT.format(ext.id))
    admin.put(EXT.format(ext.id), other_status(ext))
    [change] = new_changes(emulator, sub.start)
    blind = Subscription.of({**sub.to_record(), "permissions": ["EditPresence"]})
    assert envelope_for(blind, change, emulator) is None


def test_filters_resolved_refused_and_limited(
    admin: Api, outsider: Api, emulator: Emulator
) -> None:
    owner = caller_of(admin.owner, emulator)
    other = emulator.directory.accounts[1]
    sub = subscribe(
        emulator,
        owner,
        "/restapi/v1.0/account/~/extension/~/presence",
        f"/restapi/v1.0/account/{other.id}/presence",
        "/restapi/v1.0/account/~/extension/~/message-store",
        "/restapi/v1.0/subscription/~?threshold=60&interval=15",
    )
    assert sub.event_filters == (
        f"/restapi/v1.0/account/{owner.account_id}/extension/{owner.extension_id}/presence",
        "/restapi/v1.0/subscription/~?threshold=60&interval=15",
    )
    assert [d["filter"] for d in sub.disabled] == [
        f"/restapi/v1.0/account/{other.id}/presence",
        "/restapi/v1.0/account/~/extension/~/message-store",
    ]
    with pytest.raises(OtherAccountFilters):
        subscribe(emulator, owner, f"/restapi/v1.0/account/{other.id}/presence")
    with pytest.raises(InvalidParameter):
        subscribe(emulator, owner, "/restapi/v1.0/glip/posts")
    with pytest.raises(InvalidReminder):
        subscribe(emulator, owner, "/restapi/v1.0/subscription/~?threshold=60&interval=45")
    for _ in range(29):
        subscribe(emulator, owner, ACCOUNT)
    with pytest.raises(SubscriptionLimit):
        subscribe(emulator, owner, ACCOUNT)
    assert len(emulator.events.subscriptions.list(owner)) == 30


def test_lifetime_follows_the_emulator_clock(admin: Api, emulator: Emulator) -> None:
    owner = caller_of(admin.owner, emulator)
    service = emulator.events.subscriptions
    sub = subscribe(emulator, owner, ACCOUNT)
    assert sub.expires_in == 86_399
    assert service.get(owner, sub.id).to_wire("", emulator.clock.now())["expiresIn"] >= 86_398
    emulator.clock.advance(86_000)
    renewed = service.renew(owner, sub.id)
    assert renewed.expiration_time > sub.expiration_time + 85_000
    emulator.clock.advance(86_400)
    with pytest.raises(ResourceNotFound):
        service.get(owner, sub.id)
    assert service.list(owner) == []


def test_a_websocket_subscription_reads_as_recorded_and_conforms(emulator, directory):
    # The recorded replies say `encryption: false` (decision FID-20), and a REST read of it
    # must still pass the schema check (the spec's WebSocketDeliveryMode, plus that field).
    owner = caller_of(directory.accounts[0].administrator, emulator)
    made = subscribe(emulator, owner, "/restapi/v1.0/account/~/extension/~/presence")
    wire = made.to_wire("http://localhost", 0.0)
    assert wire["deliveryMode"] == {"transportType": WEBSOCKET, "encryption": False}
    schemas.check("subscription-info", wire, strict=True)


@pytest.mark.parametrize(
    "state",
    [
        {"b": 1, "a": [1, 2, {"z": None, "y": True}], "c": "x"},
        {"name": "Zoë", "n": 1},  # not ASCII: the json module's escapes
        {"big": 2**70},  # beyond orjson's integers
        {},
    ],
)
def test_a_states_canonical_text_is_the_json_modules_sorted_compact_text(state: dict) -> None:  # type: ignore[type-arg]
    assert canonical(state) == json.dumps(state, sort_keys=True, separators=(",", ":"))


def test_the_seeds_baseline_is_made_once_per_extension_and_anew_for_another_directory() -> None:
    first = Emulator.from_settings(Settings(extensions=50))
    second = Emulator.from_settings(Settings(extensions=50, seed=7))
    ext = first.directory.accounts[0].extensions[3]
    assert Publisher.baseline(ext) is Publisher.baseline(ext)
    other = second.directory.accounts[0].extensions[3]
    assert other.id != ext.id or other is not ext
    assert Publisher.baseline(other)["extensionId"] == str(other.id)
    twin = dataclasses.replace(ext, settings={**ext.settings, "userStatus": "Busy"})
    assert Publisher.baseline(twin)["userStatus"] == "Busy"  # same ID, another extension
