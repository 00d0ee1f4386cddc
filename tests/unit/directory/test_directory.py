"""The seeded directory, the fixture format and its loader (mockserver/directory/)."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockserver.directory.builder import (
    DEFAULT_EXTENSIONS,
    DEFAULT_SEED,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    MAX_EXTENSIONS,
    MIN_EXTENSIONS,
    REFERENCE_INSTANT,
    build_directory,
    main,
)
from mockserver.directory.fixtures import (
    FixtureError,
    directory_from_dict,
    directory_to_dict,
    fixture_schema,
    load_fixture,
)
from mockserver.directory.model import (
    CALLER_ID_VISIBILITIES,
    COMMUNICATION_HANDLING_DEFAULTS,
    COMMUNICATION_HANDLING_FIELDS,
    DEFAULT_APP_PERMISSIONS,
    DEFAULT_SETTINGS,
    DND_STATUSES,
    DND_STATUSES_PERSONAL,
    MEETING_STATUSES,
    NON_USER_TYPES,
    TELEPHONY_STATUSES,
    USER_STATUSES,
    WRITABLE_FIELDS,
    Directory,
    Extension,
    ExtensionType,
)
from mockserver.presence.aggregation import presence_status, telephony_status
from tests.support.paths import REPO

SHIPPED = REPO / "fixtures" / "default-account.json"
SPEC = REPO / "spec" / "ringcentral-presence-openapi.yml"
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
START_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
SIP_KEYS = {"callId", "toTag", "fromTag", "remoteUri", "localUri", "rcSessionId"}
INT64_MAX = 2**63 - 1


@pytest.fixture(scope="module")
def directory() -> Directory:
    return build_directory()


@pytest.fixture(scope="module")
def users(directory: Directory) -> list[Extension]:
    return [e for e in directory.accounts[0].extensions if e.type.is_user]


@pytest.fixture(scope="module")
def fixture_data(directory: Directory) -> dict[str, Any]:
    return directory_to_dict(directory)


def every_extension(directory: Directory) -> list[Extension]:
    return [e for account in directory.accounts for e in account.extensions]


def calls_of(extensions: list[Extension]) -> list[dict[str, Any]]:
    return [call for e in extensions for call in e.active_calls]


# -- determinism --------------------------------------------------------------------------------
def test_the_same_seed_builds_the_same_directory(directory):
    again = build_directory()
    assert again == directory
    assert json.dumps(directory_to_dict(again)) == json.dumps(directory_to_dict(directory))


def test_another_seed_builds_another_office(directory):
    other = build_directory(seed=7)
    assert [a.id for a in other.accounts] != [a.id for a in directory.accounts]
    names = [e.name for e in other.accounts[0].extensions if e.type.is_user]
    assert names != [e.name for e in directory.accounts[0].extensions if e.type.is_user]


def test_the_shipped_fixture_is_the_default_build(fixture_data):
    """The file was written by another process, so this also proves cross-process determinism."""
    assert json.loads(SHIPPED.read_text(encoding="utf-8")) == fixture_data


def test_the_entry_point_writes_the_shipped_file_byte_for_byte(capsys):
    main()
    assert capsys.readouterr().out == SHIPPED.read_text(encoding="utf-8")


def test_loading_the_shipped_fixture_gives_the_default_build(directory):
    assert load_fixture(SHIPPED) == directory


# -- the default account's mix ------------------------------------------------------------------
def test_default_size_and_a_second_account(directory):
    assert len(directory.accounts) == 2
    assert len(directory.accounts[0].extensions) == DEFAULT_EXTENSIONS
    assert 8 <= len(directory.accounts[1].extensions) <= 16


def test_at_least_40_users_and_every_non_user_type(directory, users):
    assert len(users) >= 40
    kinds = {e.type for e in directory.accounts[0].extensions}
    assert kinds >= NON_USER_TYPES


def test_exactly_one_admin_who_is_the_first_user_at_101(directory):
    for account in directory.accounts:
        admins = [e for e in account.extensions if e.admin]
        assert len(admins) == 1
        assert admins[0].type is ExtensionType.USER
        assert admins[0] is account.extensions[0]
        assert admins[0].number == "101"
        assert admins[0].settings["userStatus"] == "Available"
        assert admins[0].settings["allowSeeMyPresence"]
        assert not admins[0].active_calls and admins[0].meeting_status != "Connected"


def test_users_differ_like_an_office_at_ten(users):
    statuses = Counter(u.settings["userStatus"] for u in users)
    assert set(statuses) == set(USER_STATUSES)
    dnd = {u.settings["dndStatus"] for u in users}
    assert {"TakeAllCalls", "DoNotAcceptAnyCalls", "DoNotAcceptDepartmentCalls"} <= dnd
    assert any(u.settings["message"] for u in users)
    assert any(u.meeting_status == "Connected" for u in users)
    assert {u.meeting_status for u in users} >= {"Disconnected", None}
    assert any(not u.settings["allowSeeMyPresence"] for u in users)
    assert any(u.settings["ringOnMonitoredCall"] for u in users)
    assert any(u.settings["pickUpCallsOnHold"] for u in users)
    assert len({u.settings["callerIdVisibility"] for u in users}) >= 2


def test_every_call_state_occurs_and_one_user_has_two_calls(users):
    states = {call["telephonyStatus"] for call in calls_of(users)}
    assert {"Ringing", "CallConnected", "OnHold", "ParkedCall"} <= states
    assert any(len(u.active_calls) >= 2 for u in users)
    assert any(not u.active_calls for u in users)


def test_presence_reads_available_busy_and_offline(users):
    seen = {
        presence_status(
            u.type, u.settings["userStatus"], telephony_status(u.active_calls), u.meeting_status
        )
        for u in users
    }
    assert seen == {"Available", "Busy", "Offline"}


def test_a_visible_available_user_is_on_a_connected_call(users):
    assert any(
        u.settings["userStatus"] == "Available"
        and u.settings["allowSeeMyPresence"]
        and any(c["telephonyStatus"] == "CallConnected" for c in u.active_calls)
        for u in users
    )


# -- consistency ---------------------------------------------------------------------------------
def test_user_settings_are_full_and_use_only_spec_values(directory):
    allowed = {
        "userStatus": USER_STATUSES,
        "dndStatus": DND_STATUSES,
        "dndStatusPersonal": DND_STATUSES_PERSONAL,
        "callerIdVisibility": CALLER_ID_VISIBILITIES,
    }
    for ext in every_extension(directory):
        if not ext.type.is_user:
            continue
        assert set(DEFAULT_SETTINGS) <= set(ext.settings) <= set(WRITABLE_FIELDS), ext
        for key, values in allowed.items():
            assert ext.settings.get(key, values[0]) in values, (ext.id, key)
        assert len(ext.settings["message"]) <= 75
        assert ext.meeting_status in (*MEETING_STATUSES, None)
        assert ext.phone_number is not None and E164.match(ext.phone_number)


def test_non_users_carry_nothing_but_a_name(directory):
    for ext in every_extension(directory):
        if ext.type.is_user:
            continue
        assert ext.name and not ext.admin
        assert (ext.settings, ext.active_calls, ext.meeting_status) == ({}, (), None)


def test_telephony_status_follows_the_calls(directory):
    for ext in every_extension(directory):
        states = [call["telephonyStatus"] for call in ext.active_calls]
        derived = telephony_status(ext.active_calls)
        assert derived in states if states else derived == "NoCall"


def test_calls_are_believable_and_use_only_spec_fields(directory):
    spec_fields = set(fixture_schema()["$defs"]["activeCall"]["properties"])
    earliest = REFERENCE_INSTANT - timedelta(minutes=30)
    calls = calls_of(every_extension(directory))
    assert calls
    for call in calls:
        assert set(call) <= spec_fields
        assert call["telephonyStatus"] in TELEPHONY_STATUSES[1:]
        assert call["direction"] in ("Inbound", "Outbound")
        assert START_TIME.match(call["startTime"])
        started = datetime.fromisoformat(call["startTime"].replace("Z", "+00:00"))
        assert earliest <= started < REFERENCE_INSTANT
        assert call["sessionId"].isdigit()
        assert call["telephonySessionId"].startswith("s-")
        assert call["partyId"].startswith("p-")
        assert isinstance(call["queueCall"], bool)
        assert set(call["sipData"]) == SIP_KEYS
        assert call["sipData"]["localUri"].startswith("sip:")
        assert call["fromName"] and call["toName"]
    assert len({call["id"] for call in calls}) == len(calls)


def test_ids_and_numbers_are_unique_and_realistic(directory):
    extensions = every_extension(directory)
    ids = [e.id for e in extensions]
    assert len(set(ids)) == len(ids)
    # 12 digits (decision DIR-6: 9 to 12), but the operators': those carry their 10-digit
    # account's ID (decision DIR-5).
    operators = {a.id for a in directory.accounts}
    assert all(10**11 <= i < 10**12 for i in ids if i not in operators)
    assert operators <= set(ids)
    phones = [e.phone_number for e in extensions if e.phone_number]
    assert len(set(phones)) == len(phones)
    for account in directory.accounts:
        assert 10**8 <= account.id < 10**10
        assert E164.match(account.main_number)
        numbers = [e.number for e in account.extensions]
        assert numbers == [str(101 + i) for i in range(len(numbers))]
        assert all(e.account_id == account.id for e in account.extensions)


def test_the_second_account_is_a_separate_small_company(directory):
    first, second = directory.accounts
    assert first.id != second.id and first.name != second.name
    assert not set(first.by_id) & set(second.by_id)
    users = [e for e in second.extensions if e.type.is_user]
    assert len(users) >= 3 and users[0].admin
    assert len({e.type for e in second.extensions} - {ExtensionType.USER}) >= 2


def test_the_demo_app(directory):
    (app,) = directory.apps
    assert (app.client_id, app.client_secret) == (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    assert len(DEMO_CLIENT_ID) == 22 and 40 <= len(DEMO_CLIENT_SECRET) <= 60
    assert app.permissions == {
        *("ReadPresence", "EditPresence", "ReadAccounts", "ReadCallLog"),
        *("SubscriptionWebhook", "WebSocket"),  # the events' permissions
    }


# -- sizes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [0, MIN_EXTENSIONS - 1, MAX_EXTENSIONS + 1])
def test_sizes_outside_the_range_are_refused(size):
    with pytest.raises(ValueError, match=f"between {MIN_EXTENSIONS} and {MAX_EXTENSIONS}"):
        build_directory(extensions=size)


def test_the_smallest_size_still_holds_the_whole_mix():
    account = build_directory(extensions=MIN_EXTENSIONS).accounts[0]
    assert len(account.extensions) == MIN_EXTENSIONS
    assert sum(e.type.is_user for e in account.extensions) >= 40
    assert {e.type for e in account.extensions} >= NON_USER_TYPES


def test_a_hundred_thousand_extensions():
    big = build_directory(extensions=MAX_EXTENSIONS)
    account = big.accounts[0]
    assert len(account.extensions) == MAX_EXTENSIONS
    assert len(account.by_id) == MAX_EXTENSIONS
    assert account.extensions[-1].number == str(100 + MAX_EXTENSIONS)
    users = [e for e in account.extensions if e.type.is_user]
    assert 0.7 < len(users) / MAX_EXTENSIONS < 0.8
    assert {c["telephonyStatus"] for c in calls_of(users)} == set(TELEPHONY_STATUSES[1:])
    assert len({e.phone_number for e in users}) == len(users)
    # Identical settings share one dict (the memory budget depends on it).
    assert len({id(e.settings) for e in users}) < 2000
    assert len({id(e.settings) for e in account.extensions if not e.type.is_user}) == 1


# -- round trip ------------------------------------------------------------------------------
def test_to_dict_and_back_is_the_same_directory(directory, fixture_data):
    again = directory_from_dict(json.loads(json.dumps(fixture_data)))
    assert again == directory
    for mine, theirs in zip(every_extension(again), every_extension(directory), strict=True):
        assert mine.settings == theirs.settings and mine.active_calls == theirs.active_calls


def test_round_trip_of_another_seed():
    other = build_directory(seed=99, extensions=70)
    assert directory_from_dict(directory_to_dict(other)) == other


def test_missing_presence_fields_take_the_defaults():
    data = small_fixture()
    data["accounts"][0]["extensions"][1]["presence"] = {"userStatus": "Busy"}
    loaded = directory_from_dict(data)
    admin, colleague = loaded.accounts[0].extensions[:2]
    assert admin.settings == DEFAULT_SETTINGS
    assert colleague.settings == {**DEFAULT_SETTINGS, "userStatus": "Busy"}
    assert loaded.apps[0].permissions == DEFAULT_APP_PERMISSIONS


def test_communication_handling_adds_both_newer_fields_with_their_defaults():
    """Decision 7: only a configured account holds dndStatusPersonal and acceptCallQueueCalls."""
    data = small_fixture()
    data["accounts"][0]["communicationHandling"] = True
    data["accounts"][0]["extensions"][1]["presence"] = {"acceptCallQueueCalls": True}
    loaded = directory_from_dict(data)
    account = loaded.accounts[0]
    admin, colleague = account.extensions[:2]
    assert account.communication_handling
    assert admin.settings == {**DEFAULT_SETTINGS, **COMMUNICATION_HANDLING_DEFAULTS}
    assert colleague.settings["acceptCallQueueCalls"] is True
    assert directory_from_dict(directory_to_dict(loaded)) == loaded
    assert directory_to_dict(loaded)["accounts"][0]["communicationHandling"] is True


def test_seeded_accounts_are_legacy(directory):
    """Decision 7: no seeded user holds a field of the new communication handling service."""
    assert not any(a.communication_handling for a in directory.accounts)
    for ext in every_extension(directory):
        assert COMMUNICATION_HANDLING_FIELDS.isdisjoint(ext.settings), ext.id


@pytest.mark.parametrize("key", sorted(COMMUNICATION_HANDLING_FIELDS))
def test_a_legacy_account_refuses_a_newer_field(key):
    data = small_fixture()
    value = True if key == "acceptCallQueueCalls" else "TakeAllCalls"
    data["accounts"][0]["extensions"][1]["presence"] = {key: value}
    with pytest.raises(FixtureError) as caught:
        directory_from_dict(data, "f.json")
    assert str(caught.value) == (
        f"f.json: accounts[0].extensions[1].presence.{key}: "
        'only an account with "communicationHandling": true reports it'
    )


def test_loaded_users_with_equal_settings_share_one_dict():
    data = small_fixture()
    data["accounts"][0]["extensions"][1]["presence"] = {"message": ""}  # the defaults again
    admin, colleague, sales = directory_from_dict(data).accounts[0].extensions
    assert admin.settings is colleague.settings
    assert sales.settings == {}


def test_the_example_in_the_docs_loads_and_reads_as_it_says():
    text = (REPO / "docs" / "fixtures.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)```", text, re.DOTALL)
    assert example is not None
    jane, ravi, sales = directory_from_dict(json.loads(example.group(1))).accounts[0].extensions
    assert jane.admin and jane.settings == DEFAULT_SETTINGS
    assert telephony_status(ravi.active_calls) == "CallConnected"
    assert sales.type is ExtensionType.DEPARTMENT and sales.settings == {}


def small_fixture() -> dict[str, Any]:
    return {
        "formatVersion": 1,
        "apps": [{"clientId": "abc", "clientSecret": "secret", "name": "test app"}],
        "accounts": [
            {
                "id": 1234567004,
                "name": "Acme Corp",
                "mainNumber": "+16505550100",
                "extensions": [
                    {
                        "id": 11,
                        "extensionNumber": "101",
                        "type": "User",
                        "name": "A",
                        "admin": True,
                    },
                    {"id": 12, "extensionNumber": "102", "type": "User", "name": "B"},
                    {"id": 13, "extensionNumber": "103", "type": "Department", "name": "Sales"},
                ],
            }
        ],
    }


# -- the schema --------------------------------------------------------------------------------
def test_the_schema_is_valid_2020_12_and_its_enums_are_the_models():
    schema = fixture_schema()
    Draft202012Validator.check_schema(schema)
    defs = schema["$defs"]
    presence = defs["presence"]["properties"]
    assert presence["userStatus"]["enum"] == list(USER_STATUSES)
    assert presence["dndStatus"]["enum"] == list(DND_STATUSES)
    assert presence["dndStatusPersonal"]["enum"] == list(DND_STATUSES_PERSONAL)
    assert presence["callerIdVisibility"]["enum"] == list(CALLER_ID_VISIBILITIES)
    assert presence["meetingStatus"]["enum"] == list(MEETING_STATUSES)
    assert presence["message"]["maxLength"] == 75
    assert set(WRITABLE_FIELDS) <= set(presence)
    assert defs["activeCall"]["properties"]["telephonyStatus"]["enum"] == list(TELEPHONY_STATUSES)
    assert defs["extension"]["properties"]["type"]["enum"] == [t.value for t in ExtensionType]


def test_the_schema_follows_the_spec():
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]
    defs = fixture_schema()["$defs"]
    for ours, theirs in [
        ("activeCall", "ActiveCallInfo"),
        ("sipData", "DetailedCallInfo"),
        ("callInfo", "CallInfoCQ"),
        ("appearanceInfo", "AppearanceInfo"),
    ]:
        assert set(defs[ours]["properties"]) == set(spec[theirs]["properties"]), ours
    response = spec["PresenceInfoResponse"]["properties"]
    presence = defs["presence"]["properties"]
    for field in ("userStatus", "dndStatus", "callerIdVisibility", "meetingStatus"):
        assert presence[field]["enum"] == response[field]["enum"], field
    assert presence["dndStatusPersonal"]["enum"] == spec["DndStatusPersonal"]["enum"]
    call = defs["activeCall"]["properties"]
    for field in ("direction", "telephonyStatus"):
        assert call[field]["enum"] == spec["ActiveCallInfo"]["properties"][field]["enum"]
    assert (
        defs["cqInfo"]["properties"]["type"]["enum"]
        == spec["PrimaryCQInfo"]["properties"]["type"]["enum"]
    )


# -- FixtureError ------------------------------------------------------------------------------
def broken(fixture_data: dict[str, Any], change) -> str:
    data = copy.deepcopy(fixture_data)
    change(data)
    with pytest.raises(FixtureError) as caught:
        directory_from_dict(data, "fixtures/bad.json")
    return str(caught.value)


def extension(data: dict[str, Any], index: int, account: int = 0) -> dict[str, Any]:
    return data["accounts"][account]["extensions"][index]


def test_a_bad_enum_names_the_file_the_path_and_the_choices(fixture_data):
    message = broken(fixture_data, lambda d: extension(d, 3).update(type="Robot"))
    assert message.startswith(
        "fixtures/bad.json: accounts[0].extensions[3].type: 'Robot' is not one of ['User', "
    )
    assert "'ParkLocation']" in message


def test_an_unknown_key_is_a_typo(fixture_data):
    message = broken(fixture_data, lambda d: extension(d, 1).update(presense={}))
    assert message.startswith("fixtures/bad.json: accounts[0].extensions[1].presense: unknown key")


def test_an_unknown_key_in_a_call(fixture_data):
    def change(data: dict[str, Any]) -> None:
        ext = next(
            e for e in data["accounts"][0]["extensions"] if "activeCalls" in e.get("presence", {})
        )
        ext["presence"]["activeCalls"][0]["presenceStatus"] = "Busy"

    assert ".activeCalls[0].presenceStatus: unknown key" in broken(fixture_data, change)


def test_a_duplicate_extension_id_across_accounts(fixture_data):
    def change(data: dict[str, Any]) -> None:
        extension(data, 2, account=1)["id"] = extension(data, 5)["id"]

    message = broken(fixture_data, change)
    assert message.startswith(
        "fixtures/bad.json: accounts[1].extensions[2].id: duplicate extension id"
    )
    assert "accounts[0].extensions[5].id" in message


def test_a_duplicate_extension_number_in_one_account(fixture_data):
    message = broken(fixture_data, lambda d: extension(d, 4).update(extensionNumber="101"))
    assert "accounts[0].extensions[4].extensionNumber: duplicate extension number" in message


def test_two_admins(fixture_data):
    message = broken(fixture_data, lambda d: extension(d, 1).update(admin=True))
    assert message.startswith(
        "fixtures/bad.json: accounts[0].extensions[1].admin: a second administrator"
    )


def test_no_admin(fixture_data):
    message = broken(fixture_data, lambda d: extension(d, 0, account=1).pop("admin"))
    assert message.startswith("fixtures/bad.json: accounts[1].extensions: no administrator")


def test_a_non_user_may_not_be_admin_nor_have_presence(fixture_data):
    def change(data: dict[str, Any]) -> None:
        extension(data, 0).pop("admin")
        extension(data, 3).update(admin=True, presence={"userStatus": "Busy"})

    message = broken(fixture_data, change)
    assert "accounts[0].extensions[3].admin: only a User extension can be admin" in message
    assert "accounts[0].extensions[3].presence: a Department extension has no presence" in message


def test_a_message_over_75_characters(fixture_data):
    message = broken(fixture_data, lambda d: extension(d, 1)["presence"].update(message="x" * 76))
    assert message == (
        "fixtures/bad.json: accounts[0].extensions[1].presence.message: "
        "76 characters, at most 75 allowed"
    )


def test_missing_keys_and_bad_numbers_are_all_listed(fixture_data):
    def change(data: dict[str, Any]) -> None:
        extension(data, 0).pop("name")
        data["accounts"][0]["mainNumber"] = "650-555-0100"
        data["formatVersion"] = 2

    lines = broken(fixture_data, change).splitlines()
    assert lines == [
        "fixtures/bad.json: formatVersion: 2 is not supported, expected 1",
        "fixtures/bad.json: accounts[0].mainNumber: '650-555-0100' is not an E.164 phone number "
        "such as +16505550100",
        "fixtures/bad.json: accounts[0].extensions[0].name: required key is missing",
    ]


def test_many_errors_are_cut_at_ten_lines(fixture_data):
    def change(data: dict[str, Any]) -> None:
        for ext in data["accounts"][0]["extensions"]:
            ext["type"] = "Robot"

    lines = broken(fixture_data, change).splitlines()
    assert len(lines) == 11
    assert lines[-1] == f"fixtures/bad.json: ... and {DEFAULT_EXTENSIONS - 10} more problems"


def test_not_an_object_at_all():
    with pytest.raises(
        FixtureError, match=r"^<fixture>: \(top level\): \[1\] is not of type 'object'$"
    ):
        directory_from_dict([1])


def test_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"formatVersion": 1,\n  "apps": [,]}', encoding="utf-8")
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    assert str(caught.value).startswith(f"{path}: not valid JSON: ")
    assert "line 2 column" in str(caught.value)


def test_a_missing_file(tmp_path):
    path = tmp_path / "nope.json"
    with pytest.raises(FixtureError, match=r": cannot read: No such file or directory$") as caught:
        load_fixture(path)
    assert str(caught.value).startswith(str(path))


def test_fixture_error_is_a_value_error():
    assert issubclass(FixtureError, ValueError)


def test_a_fixture_describes_queues_and_members():
    data = small_fixture()
    extensions = data["accounts"][0]["extensions"]
    user_ids = [e["id"] for e in extensions if e["type"] == "User"]
    queue = {
        "id": 990001,
        "extensionNumber": "990",
        "type": "Department",
        "name": "Night Queue",
        "queue": {
            "editableMemberStatus": False,
            "members": [{"id": user_ids[0]}, {"id": user_ids[1], "acceptCalls": False}],
        },
    }
    extensions.append(queue)
    loaded = directory_from_dict(data)
    found = loaded.accounts[0].by_id[990001]
    assert not found.editable_member_status
    assert [(m.extension_id, m.accept_calls) for m in found.members] == [
        (user_ids[0], True),
        (user_ids[1], False),
    ]
    assert loaded.accounts[0].queues_of[user_ids[1]] == [found]
    assert directory_to_dict(loaded)["accounts"][0]["extensions"][-1]["queue"] == {
        "editableMemberStatus": False,
        "members": [
            {"id": user_ids[0], "acceptCalls": True},
            {"id": user_ids[1], "acceptCalls": False},
        ],
    }


def test_a_queue_only_on_a_department_and_only_with_users():
    data = small_fixture()
    extensions = data["accounts"][0]["extensions"]
    non_user = next(e for e in extensions if e["type"] != "User")
    extensions[0]["queue"] = {"members": []}
    extensions.append(
        {
            "id": 990002,
            "extensionNumber": "991",
            "type": "Department",
            "name": "Q",
            "queue": {"members": [{"id": non_user["id"]}, {"id": non_user["id"]}]},
        }
    )
    with pytest.raises(FixtureError) as raised:
        directory_from_dict(data)
    text = str(raised.value)
    assert "only Department extensions do" in text
    assert "is not a User extension of this account" in text
    assert "duplicate queue member" in text


@pytest.mark.parametrize(
    ("status", "allowed"), [("NotActivated", True), ("Disabled", False), ("Frozen", False)]
)
def test_a_queue_member_is_enabled_or_not_activated(status, allowed):
    data = small_fixture()
    extensions = data["accounts"][0]["extensions"]
    user = next(e for e in extensions if e["type"] == "User" and not e.get("admin"))
    user["status"] = status
    extensions.append(
        {
            "id": 990003,
            "extensionNumber": "992",
            "type": "Department",
            "name": "Q",
            "queue": {"members": [{"id": user["id"]}]},
        }
    )
    if allowed:
        queue = directory_from_dict(data).accounts[0].by_id[990003]
        assert [m.extension_id for m in queue.members] == [user["id"]]
        return
    with pytest.raises(FixtureError) as raised:
        directory_from_dict(data)
    assert f"{user['id']} is {status}; a queue member is Enabled or NotActivated" in str(
        raised.value
    )


def test_seeded_queues_hold_the_users_their_queue_calls_ring():
    account = build_directory().accounts[0]
    queues = [e for e in account.extensions if e.type is ExtensionType.DEPARTMENT]
    assert queues and all(q.members for q in queues)
    first = {m.extension_id: m.accept_calls for m in queues[0].members}
    assert first[account.administrator.id] is True
    for ext in account.extensions:
        if any(call.get("queueCall") for call in ext.active_calls):
            assert first.get(ext.id) is True
        if ext.type is ExtensionType.USER:
            assert ext.email and ext.email.endswith(".example.com")
    emails = [e.email for e in account.extensions if e.email]
    assert len(emails) == len(set(emails))


@pytest.mark.parametrize(("seed", "size"), [(DEFAULT_SEED, DEFAULT_EXTENSIONS), (7, 300)])
def test_the_operator_has_the_accounts_id(seed, size):
    """Decision 1: extension 101, a User (the administrator), carries the account's ID; the IDs
    stay unique across the directory and increasing in listing order."""
    built = build_directory(seed=seed, extensions=size)
    every_id = [e.id for a in built.accounts for e in a.extensions]
    assert len(set(every_id)) == len(every_id)
    for account in built.accounts:
        operator = account.by_id[account.id]
        assert (operator.number, operator.type, operator.admin) == ("101", ExtensionType.USER, True)
        ids = [e.id for e in account.extensions]
        assert ids == sorted(ids)
