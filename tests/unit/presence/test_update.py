"""PUT presence: validation, recomputed presenceStatus, persistence, reset
(docs/contract.md#presence-put, #non-user-extensions)."""

import json

import pytest

from mockserver.config import Settings
from mockserver.directory.builder import build_directory
from mockserver.directory.fixtures import directory_to_dict
from mockserver.emulator import Emulator
from mockserver.web.app import create_app
from tests.support.answers import find, parts_of
from tests.support.login import login

API = "/restapi/v1.0/account/~"


def quiet_user(directory):
    """A visible standard user with no calls and no meeting, so only userStatus decides."""
    return find(
        directory,
        lambda e: (
            e.type.is_user
            and not e.admin
            and not e.active_calls
            and e.meeting_status != "Connected"
            and e.settings.get("allowSeeMyPresence", True)
        ),
    )


def test_put_busy_recomputes_presence_and_shows_everywhere(client, directory):
    owner = quiet_user(directory)
    me = login(client, directory, owner)
    answer = me.put(f"{API}/extension/~/presence", {"userStatus": "Busy", "message": "Heads down"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["userStatus"], body["presenceStatus"], body["message"]) == (
        "Busy",
        "Busy",
        "Heads down",
    )

    single = me.get(f"{API}/extension/{owner.id}/presence").get_json()
    other = find(directory, lambda e: e.type.is_user and e.id != owner.id)
    _, batched, _ = parts_of(me.get(f"{API}/extension/{owner.id},{other.id}/presence"))
    listed = next(
        r
        for r in me.get(f"{API}/presence", perPage="1000").get_json()["records"]
        if r["extension"]["id"] == owner.id
    )
    for seen in (single, batched, listed):
        assert (seen["userStatus"], seen["presenceStatus"], seen["message"]) == (
            "Busy",
            "Busy",
            "Heads down",
        )


@pytest.mark.parametrize(
    ("user_status", "presence"),
    [("Offline", "Offline"), ("Available", "Available"), ("Busy", "Busy")],
)
def test_presence_follows_user_status(client, directory, user_status, presence):
    me = login(client, directory, quiet_user(directory))
    body = me.put(f"{API}/extension/~/presence", {"userStatus": user_status}).get_json()
    assert body["presenceStatus"] == presence


def test_dnd_does_not_change_presence(client, directory):
    me = login(client, directory, quiet_user(directory))
    body = me.put(
        f"{API}/extension/~/presence",
        {"userStatus": "Available", "dndStatus": "DoNotAcceptAnyCalls"},
    ).get_json()
    assert (body["dndStatus"], body["presenceStatus"]) == ("DoNotAcceptAnyCalls", "Available")


def test_a_call_keeps_a_user_busy_whatever_they_set(client, directory):
    on_call = find(
        directory, lambda e: any(c["telephonyStatus"] == "OnHold" for c in e.active_calls)
    )
    me = login(client, directory, on_call)
    assert (
        me.put(f"{API}/extension/~/presence", {"userStatus": "Available"}).get_json()[
            "presenceStatus"
        ]
        == "Busy"
    )


@pytest.fixture(scope="module")
def handling_emulator(tmp_path_factory):
    """The default build with account 1 on the new communication handling service."""
    data = directory_to_dict(build_directory())
    data["accounts"][0]["communicationHandling"] = True
    path = tmp_path_factory.mktemp("handling") / "fixture.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return Emulator.from_settings(Settings(fixture=str(path), validate_responses=True))


@pytest.fixture
def handling_client(handling_emulator):
    handling_emulator.reset()
    app = create_app(emulator=handling_emulator)
    app.testing = True
    yield app.test_client()
    handling_emulator.reset()


NEWER = {"dndStatusPersonal": "DoNotAcceptAnyCalls", "acceptCallQueueCalls": True}


def test_a_legacy_account_reports_neither_newer_field(client, directory):
    """Decision 7: the default (seeded) account is legacy, in every read."""
    me = login(client, directory, quiet_user(directory))
    page = me.get(f"{API}/presence", perPage="1000", detailedTelephonyState="true").get_json()
    users = [r for r in page["records"] if "userStatus" in r]
    assert users
    assert all(NEWER.keys().isdisjoint(r) for r in users)
    assert NEWER.keys().isdisjoint(me.get(f"{API}/extension/~/presence").get_json())


def test_a_legacy_account_ignores_the_newer_fields_in_a_put(client, directory):
    """Decision 7: accepted and ignored like an unknown field; the rest of the body applies."""
    me = login(client, directory, quiet_user(directory))
    answer = me.put(f"{API}/extension/~/presence", {**NEWER, "message": "legacy"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["message"] == "legacy" and NEWER.keys().isdisjoint(body)
    again = me.get(f"{API}/extension/~/presence").get_json()
    assert again["message"] == "legacy" and NEWER.keys().isdisjoint(again)


def test_an_account_with_communication_handling_reports_both(handling_client, handling_emulator):
    directory = handling_emulator.directory
    me = login(handling_client, directory, quiet_user(directory))
    body = me.get(f"{API}/extension/~/presence").get_json()
    assert {k: body[k] for k in NEWER} == {
        "dndStatusPersonal": "TakeAllCalls",
        "acceptCallQueueCalls": False,
    }
    # The second account stays legacy: the flag is per account.
    other = login(handling_client, directory, directory.accounts[1].administrator)
    assert NEWER.keys().isdisjoint(other.get(f"{API}/extension/~/presence").get_json())


def test_every_writable_field_round_trips(handling_client, handling_emulator):
    client, directory = handling_client, handling_emulator.directory
    me = login(client, directory, quiet_user(directory))
    change = {
        "userStatus": "Busy",
        "dndStatus": "TakeAllCalls",
        "dndStatusPersonal": "DoNotAcceptAnyCalls",
        "message": "x" * 75,
        "allowSeeMyPresence": False,
        "callerIdVisibility": "PermittedUsers",
        "ringOnMonitoredCall": True,
        "pickUpCallsOnHold": True,
        "acceptCallQueueCalls": True,
    }
    body = me.put(f"{API}/extension/~/presence", change).get_json()
    assert {k: body[k] for k in change} == change
    again = me.get(f"{API}/extension/~/presence").get_json()
    assert {k: again[k] for k in change} == change


def test_read_only_fields_in_the_body_are_ignored(client, directory):
    me = login(client, directory, quiet_user(directory))
    body = me.put(
        f"{API}/extension/~/presence",
        {
            "presenceStatus": "Offline",
            "telephonyStatus": "CallConnected",
            "userStatus": "Available",
        },
    ).get_json()
    assert (body["presenceStatus"], body["telephonyStatus"]) == ("Available", "NoCall")


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"userStatus": "Away"}, "userStatus"),
        ({"dndStatus": "Sleeping"}, "dndStatus"),
        ({"message": "x" * 76}, "message"),
        ({"message": 5}, "message"),
        ({"allowSeeMyPresence": "yes"}, "allowSeeMyPresence"),
        ({"callerIdVisibility": "Everyone"}, "callerIdVisibility"),
        ({"ringOnMonitoredCall": None}, "ringOnMonitoredCall"),
    ],
)
def test_bad_values_are_cmn_101_naming_the_field(client, directory, change, parameter):
    me = login(client, directory, quiet_user(directory))
    answer = me.put(f"{API}/extension/~/presence", change)
    assert answer.status_code == 400
    body = answer.get_json()
    assert (body["errorCode"], body["parameterName"]) == ("CMN-101", parameter)
    assert body["errors"][0]["message"] == f"Parameter [{parameter}] value is invalid."
    # and nothing was changed
    assert me.get(f"{API}/extension/~/presence").get_json()["userStatus"] != "Away"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_cmn_103(client, directory, raw):
    me = login(client, directory, quiet_user(directory))
    answer = me.put(f"{API}/extension/~/presence", raw=raw)
    assert answer.status_code == 400
    assert answer.get_json()["errorCode"] == "CMN-103"
    assert answer.get_json()["message"] == "JSON can't be parsed."


def test_non_user_extensions_refuse_put_with_prs_106(admin, directory):
    fax = find(directory, lambda e: e.type == "FaxUser")
    answer = admin.put(f"{API}/extension/{fax.id}/presence", {"userStatus": "Busy"})
    assert answer.status_code == 403
    assert answer.get_json()["errorCode"] == "PRS-106"
    assert "parameterName" not in answer.get_json()
    assert "parameterName" not in answer.get_json()["errors"][0]
    assert (
        answer.get_json()["message"] == "Not allowed update presence for extensions of FaxUser type"
    )


def test_admin_may_update_anyone(admin, directory):
    target = quiet_user(directory)
    answer = admin.put(f"{API}/extension/{target.id}/presence", {"userStatus": "Offline"})
    assert answer.status_code == 200
    assert answer.get_json()["extension"]["id"] == target.id


def test_standard_user_may_not_update_a_colleague(client, directory):
    me = login(client, directory, quiet_user(directory))
    colleague = find(directory, lambda e: e.type.is_user and e.id != me.owner.id)
    answer = me.put(f"{API}/extension/{colleague.id}/presence", {"userStatus": "Offline"})
    assert answer.status_code == 403
    body = answer.get_json()
    assert body["errorCode"] == "CMN-408"
    assert body["message"] == "[EditPresenceSettings] permission required"
    assert body["errors"][0]["permissionName"] == "EditPresenceSettings"
    assert "parameterName" not in body


def test_empty_body_changes_nothing_and_answers_the_record(client, directory):
    me = login(client, directory, quiet_user(directory))
    me.put(f"{API}/extension/~/presence", {"message": "kept"})
    answer = me.put(f"{API}/extension/~/presence", raw=b"")
    assert answer.status_code == 200
    assert answer.get_json()["message"] == "kept"


def test_reset_restores_the_seed(client, directory):
    owner = quiet_user(directory)
    me = login(client, directory, owner)
    me.put(f"{API}/extension/~/presence", {"userStatus": "Offline", "message": "gone"})
    assert client.post("/_mock/reset").status_code == 200
    body = me.get(f"{API}/extension/~/presence").get_json()
    assert body["userStatus"] == owner.settings["userStatus"]
    assert body.get("message", "") == owner.settings["message"]  # absent when empty (FID-2)
