"""Limits of a recording: the differences drift finds that the recording itself explains.

The emulator side serves the fixture `replay` builds from the recording, so it knows only what
the recording showed. Where the real answer depends on something it never showed, a difference
is a limit of the recording, with the reason, and not drift:

* a listing (`paging.totalElements`) longer on the real side than in the fixture: its paging
  links, and its records (and `pageStart`/`pageEnd`) where the page holds other records on the
  two sides;
* a request the real side answered for an account or an extension no successful answer of the
  recording showed;
* the calls of a user whose telephonyStatus was recorded but never its calls (replay gives it one
  stand-in call of that status);
* the telephony of a non-user extension (a Park Location) holding parked calls: live state no
  fixture holds.

Values that vary by nature (IDs, timestamps, UUIDs, tokens) never make a difference at all: drift
compares types, not values, but for enum fields and two headers (drift.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mockserver.recording.replay import STAND_IN_CALL, fixture_from_recording, parked_locations

_PATH_IDS = re.compile(r"/(account|extension)/([^/?]+)")
NAVIGATION = "body.navigation"
RECORDS = ("body.records[]", "body.paging.")  # a page's records and where it starts and ends
RECORDS = ("body.records[]", "body.paging.")  # a page's records and where it starts and ends


@dataclass(frozen=True, slots=True)
class Known:
    """What the fixture built from the recording holds."""

    accounts: frozenset[int]
    extensions: frozenset[int]
    stand_in_calls: frozenset[int]  # users whose one call stands in for calls never listed
    parked: frozenset[int]  # non-users seen holding parked calls, which no fixture holds

    @classmethod
    def of(cls, recording: dict[str, Any]) -> Known:
        fixture = fixture_from_recording(recording)
        accounts = fixture.get("accounts", [])
        extensions = [e for account in accounts for e in account.get("extensions", [])]
        return cls(
            frozenset(account["id"] for account in accounts),
            frozenset(e["id"] for e in extensions),
            frozenset(
                e["id"]
                for e in extensions
                for call in e.get("presence", {}).get("activeCalls", [])
                if call.get("id") == STAND_IN_CALL.format(e["id"])
            ),
            parked_locations(recording),
        )


def unknown_in_request(path: str, status: int, real_body: Any, known: Known) -> str | None:
    """The reason every difference of this request is a limit: the real side answered for an
    account or an extension (a success, or a batch part that is one) that the recording never
    showed in a successful answer. A real refusal (404 for an unknown ID) is no limit: the
    emulator should refuse it the same way."""
    if not 200 <= status < 300:
        return None
    answered = set(_ids(real_body))
    missing = []
    for kind, value in _PATH_IDS.findall(path):
        ids = [int(part) for part in value.split(",") if part.isdigit()]
        have = known.accounts if kind == "account" else known.extensions
        if status == 207:
            ids = [found for found in ids if found in answered]
        missing += [f"{kind} {found}" for found in ids if found not in have]
    if not missing:
        return None
    return f"{', '.join(missing)} never appeared in a successful answer of the recording"


def shorter_listing(real_body: Any, emulator_body: Any) -> tuple[str | None, bool]:
    """The reason a listing's paging links differ: the real listing holds more elements than the
    recording showed; and whether its records differ for that reason too (the page holds other
    records on the two sides: pages before it were not recorded whole). Records of the same
    page are compared as usual."""
    real, ours = _total(real_body), _total(emulator_body)
    if real is None or ours is None or real <= ours:
        return None, False
    reason = (
        f"the real listing holds {real} elements, the recording showed {ours}: "
        "pages never recorded are not in the fixture"
    )
    return reason, _record_ids(real_body) != _record_ids(emulator_body)


def is_paged(where: str, other_records: bool) -> bool:
    """A path a shorter listing explains: its links, and its records when they are others."""
    return where.startswith(NAVIGATION) or (other_records and where.startswith(RECORDS))


def _record_ids(body: Any) -> list[Any]:
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        return []
    found = []
    for record in records:
        owner = record.get("extension") if isinstance(record, dict) else None
        found.append(owner.get("id") if isinstance(owner, dict) else _id(record))
    return found


def _id(record: Any) -> Any:
    return record.get("id") if isinstance(record, dict) else None


def stand_in_calls(where: str, real_body: Any, known: Known) -> str | None:
    """The reason a difference in `activeCalls` is a limit: the user's calls were never listed."""
    if "activeCalls" not in where or not known.stand_in_calls:
        return None
    users = sorted(set(_ids(real_body)) & known.stand_in_calls)
    if not users:
        return None
    named = ", ".join(str(user) for user in users)
    return f"the calls of extension {named} were never listed in the recording (one stands in)"


def parked_calls(where: str, real_body: Any, known: Known) -> str | None:
    """The reason a difference in the telephony of a non-user extension holding parked calls is
    a limit: a fixture gives non-users no presence, and parked calls are live state."""
    if not known.parked or ("telephonyStatus" not in where and "activeCalls" not in where):
        return None
    held = sorted(set(_ids(real_body)) & known.parked)
    if not held:
        return None
    named = ", ".join(str(extension) for extension in held)
    return f"extension {named} held parked calls, which a fixture cannot hold"


def _total(body: Any) -> int | None:
    paging = body.get("paging") if isinstance(body, dict) else None
    total = paging.get("totalElements") if isinstance(paging, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def _ids(value: Any) -> Iterator[int]:
    """Every integer `id` in a body (records, their `extension`, batch parts)."""
    if isinstance(value, dict):
        found = value.get("id")
        if isinstance(found, int) and not isinstance(found, bool):
            yield found
        for item in value.values():
            yield from _ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from _ids(item)
