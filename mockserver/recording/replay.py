"""A recording as a fixture: the accounts, extensions and presence it saw become the emulator's.

Read from the successful answers only: readAccountInfo (the account's ID and main number),
listExtensions and readExtension (number, type, name, status, email, the call queues a user is a
member of), every presence record (single, batch parts, account pages: the writable fields,
meetingStatus, activeCalls, and a telephonyStatus whose calls were not shown) and the token
endpoint's `owner_id` (the administrator: the caller the client logged in as).

The account is built as it was at the recording's first request: each fact is taken from the
first answer that showed it, so asking the recorded requests again, in order, writes and all,
answers as the recording did. What a recording never showed takes the fixture format's defaults
(docs/fixtures.md); the app is the emulator's demo app, so `presence-mock credentials --fixture`
logs in to it.
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.directory.builder import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from mockserver.inputs import is_digits

PRESENCE_KEYS = (
    "userStatus",
    "dndStatus",
    "dndStatusPersonal",
    "message",
    "allowSeeMyPresence",
    "callerIdVisibility",
    "ringOnMonitoredCall",
    "pickUpCallsOnHold",
    "acceptCallQueueCalls",
    "meetingStatus",
)
CALL_KEYS = frozenset(
    {
        "id",
        "direction",
        "queueCall",
        "from",
        "fromName",
        "to",
        "toName",
        "startTime",
        "telephonyStatus",
        "sipData",
        "sessionId",
        "telephonySessionId",
        "onBehalfOf",
        "partyId",
        "terminationType",
        "callInfo",
        "appearanceInfo",
    }
)
_ACCOUNT = re.compile(r"/account/(\d+)")
_EXTENSION = re.compile(r"/account/(\d+)/extension/(\d+)")
DEFAULT_MAIN_NUMBER = "+16505550100"
# A user's telephonyStatus from calls the answer did not list (no detailedTelephonyState): one
# call of that status stands in for them (a user's status is its highest call's).
STAND_IN_CALL = "recorded-call-{}"
CALL_STATUSES = frozenset({"CallConnected", "Ringing", "OnHold", "ParkedCall"})
QUEUE_MEMBER_STATUSES = ("Enabled", "NotActivated")
# The type of an extension only ever seen in the non-user presence shape, and of one holding
# parked calls in it (docs/contract.md#non-user-extensions).
NON_USER_TYPE = "Announcement"
PARKED_TYPE = "ParkLocation"


class _Seen:
    def __init__(self) -> None:
        self.accounts: dict[int, dict[str, Any]] = {}
        self.extensions: dict[int, dict[str, Any]] = {}  # id -> fixture extension (growing)
        self.account_of: dict[int, int] = {}
        self.owners: list[int] = []
        self.telephony: dict[int, str] = {}  # id -> the first telephonyStatus seen
        self.queues: dict[int, list[int]] = {}  # queue (Department) id -> member ids, in order
        self.users: set[int] = set()  # seen with a user's presence
        self.parked: set[int] = set()  # seen in the non-user shape holding parked calls

    def account(self, account_id: int) -> dict[str, Any]:
        return self.accounts.setdefault(account_id, {"id": account_id})

    def extension(self, extension_id: int, account_id: int | None) -> dict[str, Any]:
        if account_id is not None:
            self.account_of.setdefault(extension_id, account_id)
            self.account(account_id)
        return self.extensions.setdefault(extension_id, {"id": extension_id})


def fixture_from_recording(recording: dict[str, Any]) -> dict[str, Any]:
    return _fixture(_seen_in(recording))


class NothingToReplay(ValueError):
    """A recording that shows no user of any account: there is no account to build."""


def replayable_fixture(recording: dict[str, Any], source: str) -> dict[str, Any]:
    """The fixture of `recording`, or NothingToReplay naming `source` and what to record."""
    fixture = fixture_from_recording(recording)
    if not fixture["accounts"]:
        raise NothingToReplay(
            f"{source}: no user of any account in the recording (an account needs one: record "
            "a presence read, the extension list or an extension's own record), nothing to replay"
        )
    return fixture


def parked_locations(recording: dict[str, Any]) -> frozenset[int]:
    """The extensions the recording showed holding parked calls, which a fixture cannot hold
    (only users have presence there; parked calls are live state)."""
    return frozenset(_seen_in(recording).parked)


def _seen_in(recording: dict[str, Any]) -> _Seen:
    seen = _Seen()
    for exchange in recording.get("exchanges", []):
        response = exchange["response"]
        if response["status"] not in (200, 207):
            continue
        _read(seen, exchange.get("operation"), response["body"])
    return seen


def _read(seen: _Seen, operation: str | None, body: Any) -> None:
    if (
        operation == "getToken"
        and isinstance(body, dict)
        and is_digits(str(body.get("owner_id", "")))
    ):
        seen.owners.append(int(body["owner_id"]))
    elif (
        operation == "readAccountInfo" and isinstance(body, dict) and is_digits(str(body.get("id")))
    ):
        account = seen.account(int(body["id"]))
        if isinstance(body.get("mainNumber"), str):
            account.setdefault("mainNumber", body["mainNumber"])
    elif operation in ("listExtensions", "readExtension") and isinstance(body, dict):
        records = body.get("records") if operation == "listExtensions" else [body]
        for record in records if isinstance(records, list) else []:
            if isinstance(record, dict):
                _directory_record(seen, record)
        if operation == "readExtension":
            _departments(seen, body)
    elif operation in ("readUserPresenceStatus", "readAccountPresence", "updateUserPresenceStatus"):
        for record in _presence_records(body):
            _presence_record(seen, record)


def _presence_records(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and "multipart" in body:
        return [part for part in body["multipart"][1:] if isinstance(part, dict)]
    if isinstance(body, dict) and isinstance(body.get("records"), list):
        return [record for record in body["records"] if isinstance(record, dict)]
    return [body] if isinstance(body, dict) else []


def _ids(uri: Any) -> tuple[int | None, int | None]:
    found = _EXTENSION.search(uri) if isinstance(uri, str) else None
    if found:
        return int(found.group(1)), int(found.group(2))
    account = _ACCOUNT.search(uri) if isinstance(uri, str) else None
    return (int(account.group(1)) if account else None), None


def _directory_record(seen: _Seen, record: dict[str, Any]) -> None:
    if not isinstance(record.get("id"), int):
        return
    account_id, _ = _ids(record.get("uri"))
    extension = seen.extension(record["id"], account_id)
    for key in ("extensionNumber", "type", "name", "status"):
        if isinstance(record.get(key), str):
            extension.setdefault(key, record[key])
    contact = record.get("contact")
    if isinstance(contact, dict) and isinstance(contact.get("email"), str):
        extension.setdefault("email", contact["email"])
    if isinstance(contact, dict) and isinstance(contact.get("businessPhone"), str):
        # A user's direct number, which the record shows as its business phone (FID-3).
        extension.setdefault("phoneNumber", contact["businessPhone"])


def _departments(seen: _Seen, record: dict[str, Any]) -> None:
    """A user's `departments` (readExtension): the call queues it is a member of."""
    departments = record.get("departments")
    if not isinstance(record.get("id"), int) or not isinstance(departments, list):
        return
    for department in departments:
        if not isinstance(department, dict):
            continue
        account_id, queue_id = _ids(department.get("uri"))
        if queue_id is None:
            continue
        queue = seen.extension(queue_id, account_id)
        queue.setdefault("type", "Department")
        if isinstance(department.get("extensionNumber"), str):
            queue.setdefault("extensionNumber", department["extensionNumber"])
        members = seen.queues.setdefault(queue_id, [])
        if record["id"] not in members:
            members.append(record["id"])


def _presence_record(seen: _Seen, record: dict[str, Any]) -> None:
    owner = record.get("extension")
    if not isinstance(owner, dict) or not isinstance(owner.get("id"), int):
        return
    account_id, _ = _ids(record.get("uri"))
    extension = seen.extension(owner["id"], account_id)
    if isinstance(owner.get("extensionNumber"), str):
        extension.setdefault("extensionNumber", owner["extensionNumber"])
    presence = {key: record[key] for key in PRESENCE_KEYS if key in record}
    if not presence:  # the non-user (or hidden) shape: its type, if no directory record says
        if record.get("telephonyStatus") == "ParkedCall":
            seen.parked.add(owner["id"])
        return
    seen.users.add(owner["id"])
    if "userStatus" in record:
        # A user's record without `message` has none (decision FID-2: never written empty).
        presence.setdefault("message", "")
    if isinstance(record.get("telephonyStatus"), str):
        seen.telephony.setdefault(owner["id"], record["telephonyStatus"])
    calls = record.get("activeCalls")
    if isinstance(calls, list):
        presence["activeCalls"] = [
            {key: value for key, value in call.items() if key in CALL_KEYS}
            for call in calls
            if isinstance(call, dict)
        ]
    known = extension.setdefault("presence", {})
    if "activeCalls" in known and "activeCalls" in presence:
        _more_of_the_calls(known["activeCalls"], presence["activeCalls"])
    for key, value in presence.items():
        known.setdefault(key, value)  # the first answer that showed it: the state before writes


def _more_of_the_calls(known: list[dict[str, Any]], seen: list[dict[str, Any]]) -> None:
    """A call seen again with facts the first answer left out (`sipData`, shown only when
    asked for) gains them."""
    by_id = {call.get("id"): call for call in seen}
    for call in known:
        again = by_id.get(call.get("id"))
        if again is not None:
            for key, value in again.items():
                call.setdefault(key, value)


def _fixture(seen: _Seen) -> dict[str, Any]:
    accounts = []
    for account_id, account in seen.accounts.items():
        members = [
            _extension(_typed(seen, extension), seen.telephony.get(extension_id))
            for extension_id, extension in seen.extensions.items()
            if seen.account_of.get(extension_id) == account_id and "extensionNumber" in extension
        ]
        _queues(members, seen.queues)
        users = [extension for extension in members if extension["type"] == "User"]
        if not users:
            continue  # the format needs a User administrator
        owner = next((u for u in users if u["id"] in seen.owners), users[0])
        owner["admin"] = True
        handling = any(
            key in u.get("presence", {})
            for u in users
            for key in ("dndStatusPersonal", "acceptCallQueueCalls")
        )
        accounts.append(
            {
                "id": account_id,
                "name": f"Recorded account {account_id}",
                "mainNumber": account.get("mainNumber", DEFAULT_MAIN_NUMBER),
                **({"communicationHandling": True} if handling else {}),
                "extensions": sorted(members, key=lambda e: e["id"]),
            }
        )
    return {
        "formatVersion": 1,
        "apps": [
            {
                "clientId": DEMO_CLIENT_ID,
                "clientSecret": DEMO_CLIENT_SECRET,
                "name": "presence-mock demo app",
            }
        ],
        "accounts": accounts,
    }


def _typed(seen: _Seen, extension: dict[str, Any]) -> dict[str, Any]:
    """An extension no directory record typed: a User if a user's presence was seen, else one of
    the types that read the non-user shape (a Park Location when it held parked calls)."""
    if "type" in extension or extension["id"] in seen.users:
        return extension
    guessed = PARKED_TYPE if extension["id"] in seen.parked else NON_USER_TYPE
    return {**extension, "type": guessed}


def _extension(seen: dict[str, Any], telephony: str | None) -> dict[str, Any]:
    extension = dict(seen)
    extension.setdefault("type", "User")
    extension.setdefault("name", f"Extension {extension['extensionNumber']}")
    if extension["type"] != "User":
        extension.pop("presence", None)
    elif telephony in CALL_STATUSES and "activeCalls" not in extension.get("presence", {}):
        stand_in = {"id": STAND_IN_CALL.format(extension["id"]), "telephonyStatus": telephony}
        extension["presence"] = {**extension.get("presence", {}), "activeCalls": [stand_in]}
    return extension


def _queues(members: list[dict[str, Any]], queues: dict[int, list[int]]) -> None:
    """Each Department some user named as its queue, with those users as members (the ones a
    queue may hold: Users of its account, Enabled or NotActivated)."""
    by_id = {extension["id"]: extension for extension in members}
    for queue_id, member_ids in queues.items():
        queue = by_id.get(queue_id)
        if queue is None or queue["type"] != "Department":
            continue
        queue["queue"] = {
            "members": [
                {"id": member}
                for member in member_ids
                if member in by_id
                and by_id[member]["type"] == "User"
                and by_id[member].get("status", "Enabled") in QUEUE_MEMBER_STATUSES
            ]
        }
