"""The account's telephony record: its call sessions and their parties, and what each party
reads as in its extension's presence (`ActiveCallInfo`, docs/contract.md#call-lifecycle).

The record lives in the store under ("telephony", <account id>) as JSON, in the shapes of the
typed dicts below: `CallRecord` {"counter", "sessions": {<telephonySessionId>: Session},
"retired"}, a `Session` with its `Party` list.
Identifiers come from a counter in the record and the directory's seed, so the same steps after
a reset give the same IDs (decision CALL-25's formats: `s-<32 hex>`, `p-<same hex>-<n>`, a numeric
`sessionId`; decision CALL-27: the call's `id` is its `telephonySessionId`).
"""

from __future__ import annotations

import hashlib
from typing import Any, NotRequired, TypedDict, cast

from mockserver.telephony.magic import PlanStep
from mockserver.timestamps import iso_millis

# Typed dicts rather than dataclasses: a step changes sessions and parties in place inside a
# store transaction and the record is written back as it stands, so the stored JSON stays the
# same byte for byte (key order included) with no conversion at the store's edge, while mypy
# checks every key and its type.


class CallQueue(TypedDict):
    """The call queue a queue call came in to."""

    id: int
    name: str
    number: str


class Caller(TypedDict):
    """The outside caller of a queue call (what the members' callInfo names)."""

    number: str
    name: str | None


Party = TypedDict(
    "Party",
    {
        "partyId": str,  # p-<the session's hex>-<n>
        "ext": int | None,  # the extension's ID; None for an outside number
        "direction": str,  # Inbound | Outbound
        "status": str,  # a telephonyStatus while live; NoCall once ended
        "from": str,
        "fromName": str | None,
        "to": str,
        "toName": str | None,
        "startTime": str,
        "role": str,  # caller | callee | member | park
        "wire": NotRequired[dict[str, Any]],  # the seed's own fields of an adopted party
    },
)


class Session(TypedDict):
    """One call session and its parties, in order."""

    id: str  # the telephonySessionId (s-<32 hex>)
    sessionId: str  # numeric
    startTime: str
    kind: str  # inbound | outbound | internal | queue
    queue: CallQueue | None
    caller: NotRequired[Caller]  # a queue call's outside caller
    next: int  # the next party number
    parties: list[Party]
    plan: NotRequired[list[PlanStep]]  # a magic number's timed steps, soonest first (magic.py)


class CallRecord(TypedDict, total=False):
    """The account's record under ("telephony", <account id>)."""

    counter: int  # sessions placed since the reset
    sessions: dict[str, Session]  # the sessions a step touched, by telephonySessionId
    retired: list[str]  # the seed's sessions that ended


SIP_DOMAIN = "sip.ringcentral.com"
# The statuses of a party still on the call.
LIVE = frozenset({"Ringing", "CallConnected", "OnHold", "ParkedCall"})


def call_record(found: dict[str, Any] | None) -> CallRecord:
    """The account's record as the store gives it back (None: no call yet): the JSON is the
    record itself, read without conversion."""
    return cast(CallRecord, found or {})


def new_ids(record: CallRecord, seed: int, account_id: int) -> tuple[str, str]:
    """(telephonySessionId, sessionId) of the next session of the account."""
    record["counter"] = record.get("counter", 0) + 1
    digest = hashlib.sha256(f"{seed}:{account_id}:{record['counter']}".encode()).hexdigest()
    session_id = str(10**11 + int(digest[32:44], 16) % (9 * 10**11))
    return f"s-{digest[:32]}", session_id


def timestamp(seconds: float) -> str:
    """The platform's timestamp (mockserver/timestamps.py), as the seeded calls write
    `startTime`."""
    return iso_millis(seconds)


def add_party(session: Session, **fields: Any) -> Party:
    """A new party with the session's next party number (decision CALL-30)."""
    number = session["next"]
    session["next"] = number + 1
    party = cast(Party, {"partyId": f"p-{session['id'][2:]}-{number}", **fields})
    session["parties"].append(party)
    return party


def live(session: Session) -> list[Party]:
    return [p for p in session["parties"] if p["status"] in LIVE]


def party_of(session: Session, extension_id: int) -> Party | None:
    """The extension's live party in the session (its latest one)."""
    found = [p for p in live(session) if p["ext"] == extension_id]
    return found[-1] if found else None


def other_side(session: Session, party: Party) -> Party | None:
    """Who `party` talks to: the first other live party that is not a Park Location's."""
    for other in live(session):
        if other is not party and other.get("role") != "park":
            return other
    return None


def side(party: Party) -> tuple[str, str | None]:
    """The number and name a party shows to the others."""
    if party["direction"] == "Outbound":
        return party["from"], party.get("fromName")
    return party["to"], party.get("toName")


def extensions_of(session: Session) -> list[int]:
    """The extensions of every party, in party order, each once."""
    seen: dict[int, None] = {}
    for party in session["parties"]:
        if party["ext"] is not None:
            seen.setdefault(party["ext"], None)
    return list(seen)


def call_info(session: Session, party: Party) -> dict[str, Any]:
    """ActiveCallInfo of one party, in wire shape with sipData (stripped at the edge). A party
    adopted from the seed keeps the fields the seed drew (its `wire`: seeded.py)."""
    status = party["status"] if party["status"] in LIVE else "NoCall"
    queue = session.get("queue")
    wire: dict[str, Any] = party.get("wire") or {}
    call: dict[str, Any] = {
        "id": wire.get("id", session["id"]),
        "direction": party["direction"],
        "queueCall": wire.get("queueCall", queue is not None and party.get("role") == "member"),
        "from": party["from"],
    }
    if party.get("fromName"):
        call["fromName"] = party["fromName"]
    call["to"] = party["to"]
    if party.get("toName"):
        call["toName"] = party["toName"]
    call |= {
        "startTime": party["startTime"],
        "telephonyStatus": status,
        "sessionId": session["sessionId"],
        "telephonySessionId": session["id"],
        "partyId": party["partyId"],
        "sipData": wire.get("sipData") or _sip_data(session, party, status),
    }
    if status == "NoCall":
        call["terminationType"] = "final"  # CALL-24
    if "callInfo" in wire:
        call["callInfo"] = wire["callInfo"]
    elif call["queueCall"] and queue is not None:
        caller = session["caller"]
        call["callInfo"] = {  # CALL-31
            "primary": {"type": "QueueName", "value": queue["name"]},
            "additional": (
                {"type": "CallerIdName", "value": caller["name"]}
                if caller.get("name")
                else {"type": "CallerIdNumber", "value": caller["number"]}
            ),
        }
    return call


def _sip_data(session: Session, party: Party, status: str) -> dict[str, str]:
    digest = hashlib.sha256(party["partyId"].encode()).hexdigest()
    mine, theirs = (
        (party["from"], party["to"])
        if party["direction"] == "Outbound"
        else (party["to"], party["from"])
    )
    return {
        "callId": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}",
        "toTag": "blf" if status == "Ringing" else digest[32:42],  # CALL-27
        "fromTag": f"10.13.{int(digest[42:44], 16)}.{1 + int(digest[44:46], 16) % 254}-5070-"
        + digest[46:60],
        "remoteUri": f"sip:{theirs}@{SIP_DOMAIN}",
        "localUri": f"sip:{mine}@{SIP_DOMAIN}",
        "rcSessionId": session["sessionId"],
    }


def public(session: Session) -> dict[str, Any]:
    """A session as /_mock/calls shows it."""
    return {
        "telephonySessionId": session["id"],
        "sessionId": session["sessionId"],
        "kind": session["kind"],
        "startTime": session["startTime"],
        **({"queue": session["queue"]} if session.get("queue") else {}),
        "parties": [
            {
                "partyId": p["partyId"],
                **({"extensionId": p["ext"]} if p["ext"] is not None else {}),
                "role": p.get("role"),
                "direction": p["direction"],
                "status": p["status"] if p["status"] in LIVE else "NoCall",
                "from": p["from"],
                "to": p["to"],
            }
            for p in session["parties"]
        ],
    }
