"""The seed's calls as sessions the engine knows (decision CALL-23): every live call of the seed
(`Extension.active_calls`) is a session with its extension's party and the other side's, an
extension of the account when the call names one (an internal call), else an outside number.
They are not written to the store: the account's record holds only the sessions a step touched
(a seeded one is copied in when a step first touches it) and the IDs of the seeded sessions that
ended (`retired`), so a reset (which forgets the record) brings the seed's calls back.

A seeded party keeps the wire fields the seed drew (`wire`: the call's `id`, `queueCall`,
`sipData`, `callInfo`), so the extension's presence reads the same call after a step touched it,
with only what the step changed. The other extension's party mirrors the seed's: Ringing while
the seed's rings, connected otherwise (hold changes only the holder, decision CALL-28). Until a step
touches the session, the other extension's presence reads its own seed, which does not show the
call (decision CALL-23).
"""

from __future__ import annotations

from typing import Any, cast

from mockserver.directory.model import Account, ActiveCall, Extension, ExtensionType
from mockserver.telephony.call_sessions import LIVE, Party, Session

WIRE = ("id", "queueCall", "sipData", "callInfo")  # what the seed drew and a step keeps
OPPOSITE = {"Inbound": "Outbound", "Outbound": "Inbound"}


def seeded_sessions(account: Account) -> dict[str, Session]:
    """The account's seeded calls, by telephonySessionId, in the directory's order."""
    numbers = {e.number: e for e in account.extensions}
    found: dict[str, Session] = {}
    for ext in account.extensions:
        for call in ext.active_calls:
            if call.get("telephonyStatus") in LIVE and call.get("telephonySessionId"):
                _adopt(found, numbers, ext, call)
    for session in found.values():
        session["parties"].sort(key=_number)
        session["next"] = max((_number(p) for p in session["parties"]), default=0) + 1
    return found


def _adopt(
    found: dict[str, Session], numbers: dict[str, Extension], ext: Extension, call: ActiveCall
) -> None:
    session_id = call["telephonySessionId"]
    inbound = call["direction"] == "Inbound"
    other_number = call["from"] if inbound else call["to"]
    other = numbers.get(other_number)
    if other is not None and (other is ext or not other.type.is_user):
        other = None
    queue = numbers.get(call["to"]) if call.get("queueCall") else None
    if queue is not None and queue.type is not ExtensionType.DEPARTMENT:
        queue = None
    session = found.get(session_id)
    if session is None:
        kind = (
            "queue"
            if call.get("queueCall")
            else "internal"
            if other is not None
            else "inbound"
            if inbound
            else "outbound"
        )
        session = {
            "id": session_id,
            "sessionId": call["sessionId"],
            "startTime": call["startTime"],
            "kind": kind,
            "queue": (
                {"id": queue.id, "name": queue.name, "number": queue.number} if queue else None
            ),
            "caller": {"number": call["from"], "name": call.get("fromName")},
            "next": 1,
            "parties": [],
        }
        found[session_id] = session
    parties: list[Party] = session["parties"]
    status = call["telephonyStatus"]
    role = (
        "park"
        if status == "ParkedCall"
        else "member"
        if call.get("queueCall")
        else "callee"
        if inbound
        else "caller"
    )
    shown = {k: call.get(k) for k in ("from", "fromName", "to", "toName", "startTime")}
    mine = cast(
        Party,
        {
            "partyId": call["partyId"],
            "ext": ext.id,
            "direction": call["direction"],
            "status": status,
            **shown,
            "role": role,
            "wire": {k: call[k] for k in WIRE if k in call},
        },
    )
    # A fixture may hold both sides of one session: the extension's own call wins its party.
    parties[:] = [p for p in parties if p["partyId"] != mine["partyId"]]
    parties.append(mine)
    other_id = _other_party_id(call["partyId"], session_id)
    if other_id is None or any(p["partyId"] == other_id for p in parties):
        return
    theirs = {
        "partyId": other_id,
        "ext": other.id if other is not None else None,
        "direction": OPPOSITE.get(call["direction"], "Outbound"),
        "status": "Ringing" if status == "Ringing" else "CallConnected",
        **shown,
        "role": "caller" if inbound else "callee",
    }
    parties.append(cast(Party, theirs))


def _other_party_id(party_id: str, session_id: str) -> str | None:
    """The seed numbers the caller's party 1 and the callee's 2 (decision CALL-25)."""
    prefix = f"p-{session_id[2:]}-"
    if not party_id.startswith(prefix):
        return None
    return prefix + ("2" if party_id.endswith("-1") else "1")


def _number(party: Party) -> int:
    tail = str(party["partyId"]).rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def wire_of(party: Party) -> dict[str, Any]:
    found: dict[str, Any] = party.get("wire") or {}
    return found
