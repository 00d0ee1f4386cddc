"""Users who are not active: NotActivated and Disabled users read presenceStatus Offline
(decision PRES-16), a Disabled user refuses presence PUT with PRS-105; a Frozen user
follows the usual rule. The seed has none of them, so a fixture marks three users."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from mockserver.config import Settings
from mockserver.directory.model import Extension, ExtensionType
from mockserver.emulator import Emulator
from mockserver.presence.aggregation import presence_status
from mockserver.web.app import create_app
from tests.support.apps import default_fixture
from tests.support.login import Api, login

API = "/restapi/v1.0/account/~"
USER = ExtensionType.USER


@pytest.mark.parametrize(
    ("status", "expected"),
    [("Enabled", "Busy"), ("Frozen", "Busy"), ("NotActivated", "Offline"), ("Disabled", "Offline")],
)
def test_the_rule_takes_the_extension_status(status, expected):
    assert presence_status(USER, "Available", "CallConnected", None, status) == expected
    assert presence_status(USER, "Busy", "NoCall", "Connected", status) == expected


@dataclass
class Office:
    admin: Api
    disabled: Extension  # on a connected call: Busy, were it enabled
    not_activated: Extension  # Available, were it activated
    frozen: Extension  # on a connected call


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Office:
    data = json.loads(default_fixture())
    raw = data["accounts"][0]["extensions"]
    in_queues = {m["id"] for e in raw for m in e.get("queue", {}).get("members", [])}
    # Not queue members: a Disabled or Frozen one would be refused (decision QUEUE-1).
    users = [
        e for e in raw if e["type"] == "User" and not e.get("admin") and e["id"] not in in_queues
    ]

    def on_call(ext: dict) -> bool:
        presence = ext.get("presence", {})
        calls = presence.get("activeCalls", [])
        connected = any(c["telephonyStatus"] == "CallConnected" for c in calls)
        return connected and presence.get("userStatus", "Available") == "Available"

    def available(ext: dict) -> bool:
        presence = ext.get("presence", {})
        return (
            presence.get("userStatus", "Available") == "Available"
            and not presence.get("activeCalls")
            and presence.get("meetingStatus") != "Connected"
        )

    callers = [e for e in users if on_call(e)]
    chosen = {
        "Disabled": callers[0],
        "Frozen": callers[1],
        "NotActivated": next(e for e in users if available(e)),
    }
    for status, ext in chosen.items():
        ext["status"] = status
    path = tmp_path_factory.mktemp("inactive") / "office.json"
    path.write_text(json.dumps(data))
    emulator = Emulator.from_settings(Settings(fixture=str(path), validate_responses=True))
    app = create_app(emulator=emulator)
    app.testing = True
    account = emulator.directory.accounts[0]
    by_id = account.by_id
    return Office(
        admin=login(app.test_client(), emulator.directory, account.administrator),
        disabled=by_id[chosen["Disabled"]["id"]],
        not_activated=by_id[chosen["NotActivated"]["id"]],
        frozen=by_id[chosen["Frozen"]["id"]],
    )


def presence_of(office: Office, ext: Extension) -> dict:
    answer = office.admin.get(f"{API}/extension/{ext.id}/presence")
    assert answer.status_code == 200
    return answer.get_json()


def test_the_fixture_loaded_the_statuses(office):
    assert (office.disabled.status, office.not_activated.status, office.frozen.status) == (
        "Disabled",
        "NotActivated",
        "Frozen",
    )


def test_not_activated_and_disabled_users_read_offline(office):
    disabled = presence_of(office, office.disabled)
    assert disabled["presenceStatus"] == "Offline"
    assert disabled["telephonyStatus"] == "CallConnected"  # the rest of the record stays
    assert disabled["userStatus"] == "Available"
    assert presence_of(office, office.not_activated)["presenceStatus"] == "Offline"


def test_a_frozen_user_follows_the_usual_rule(office):
    assert presence_of(office, office.frozen)["presenceStatus"] == "Busy"


def test_batch_and_account_presence_agree(office):
    exts = (office.disabled, office.not_activated, office.frozen)
    ids = ",".join(str(e.id) for e in exts)
    assert office.admin.get(f"{API}/extension/{ids}/presence").status_code == 207
    batch = office.admin.client.get(
        f"{API}/extension/{ids}/presence",
        headers={**office.admin.headers(), "Accept": "application/vnd.ringcentral.multipart+json"},
    ).get_json()
    assert [i["body"]["presenceStatus"] for i in batch] == ["Offline", "Offline", "Busy"]
    page = office.admin.get(f"{API}/presence", perPage="1000").get_json()["records"]
    by_id = {r["extension"]["id"]: r["presenceStatus"] for r in page}
    assert [by_id[e.id] for e in exts] == ["Offline", "Offline", "Busy"]


def test_a_disabled_user_refuses_presence_put_with_prs_105(office):
    path = f"{API}/extension/{office.disabled.id}/presence"
    answer = office.admin.put(path, {"userStatus": "Busy"})
    assert answer.status_code == 403
    body = answer.get_json()
    assert body["errorCode"] == "PRS-105"
    assert body["message"] == "Not allowed update presence for extensions having Disabled state"
    assert body["errors"] == [{"errorCode": "PRS-105", "message": body["message"]}]
    assert presence_of(office, office.disabled)["userStatus"] == "Available"  # unchanged


def test_a_not_activated_user_takes_a_put_and_still_reads_offline(office):
    path = f"{API}/extension/{office.not_activated.id}/presence"
    answer = office.admin.put(path, {"userStatus": "Busy"})
    assert answer.status_code == 200
    assert (answer.get_json()["userStatus"], answer.get_json()["presenceStatus"]) == (
        "Busy",
        "Offline",
    )
    office.admin.put(path, {"userStatus": "Available"})
