"""Helpers of the simulated-call tests: quiet users of the seeded account, presence reads."""

from __future__ import annotations

from typing import Any

import requests

from mockserver.directory.builder import DEFAULT_SEED, build_directory
from mockserver.directory.model import Account, Extension, ExtensionType
from tests.support.login import login_session

DETAILED = {"detailedTelephonyState": "true", "sipData": "true"}


def account(extensions: int = 60) -> Account:
    return build_directory(DEFAULT_SEED, extensions).accounts[0]


def quiet_users(acc: Account) -> list[Extension]:
    """Users a call rings: enabled, not Offline, not in DND, with no seeded call or meeting, and
    in no call queue (so a queue test's members are not busy with another test's calls)."""
    return [
        e
        for e in acc.extensions
        if e.type.is_user
        and e.status == "Enabled"
        and e.settings.get("userStatus") != "Offline"
        and e.settings.get("dndStatus", "TakeAllCalls") == "TakeAllCalls"
        and not e.active_calls
        and e.meeting_status != "Connected"
        and e.id not in acc.queues_of
        and e.settings.get("userStatus") == "Available"
    ]


def park_location(acc: Account) -> Extension:
    return next(e for e in acc.extensions if e.type is ExtensionType.PARK_LOCATION)


def call_of(presence: dict[str, Any], session: str) -> list[dict[str, Any]]:
    return [c for c in presence.get("activeCalls", []) if c["telephonySessionId"] == session]


LIVE = ("Ringing", "CallConnected", "OnHold", "ParkedCall")


def seeded_ids(acc: Account) -> list[str]:
    """The telephonySessionIds of the seed's calls in progress (the engine adopts them), in the
    directory's order, each once."""
    found: dict[str, None] = {}
    for ext in acc.extensions:
        for call in ext.active_calls:
            if call["telephonyStatus"] in LIVE:
                found.setdefault(call["telephonySessionId"], None)
    return list(found)


def placed_only(records: list[dict[str, Any]], acc: Account) -> list[dict[str, Any]]:
    """The calls of a /_mock/calls list that were placed (not the seed's)."""
    seeded = set(seeded_ids(acc))
    return [r for r in records if r["telephonySessionId"] not in seeded]


def lone_seeded_call(acc: Account, status: str, outside: bool) -> tuple[Extension, dict[str, Any]]:
    """A user whose only seeded call is `status` (not a queue call), with an outside party
    (`outside`) or another extension of the account."""
    numbers = {e.number for e in acc.extensions}
    for ext in acc.extensions:
        if len(ext.active_calls) != 1 or not ext.type.is_user:
            continue
        call = ext.active_calls[0]
        other = call["from"] if call["direction"] == "Inbound" else call["to"]
        lone = call["telephonyStatus"] == status and not call["queueCall"]
        if lone and (other not in numbers) == outside:
            return ext, call
    raise AssertionError(f"the seed has no lone {status} call")


API = "/restapi/v1.0/account/~/extension"


class Office:
    """A live server's calls API and the administrator's presence reads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.api = login_session(url)

    def post(self, path: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
        answer = requests.post(f"{self.url}/_mock{path}", json=body or {}, timeout=10)
        assert answer.status_code == status, answer.text
        return answer.json()

    def presence(self, ext_id: int) -> dict[str, Any]:
        answer = self.api.get(f"{self.url}{API}/{ext_id}/presence", params=DETAILED, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def active_calls(self, ext_id: int) -> list[dict[str, Any]]:
        answer = self.api.get(f"{self.url}{API}/{ext_id}/active-calls", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["records"]

    def status(self, ext_id: int, session: str) -> tuple[str, str, list[str]]:
        """(telephonyStatus, presenceStatus, the session's call statuses) of one extension."""
        found = self.presence(ext_id)
        calls = [c["telephonyStatus"] for c in call_of(found, session)]
        return found["telephonyStatus"], found["presenceStatus"], calls
