"""Presence records -> event bodies (docs/contract.md#event-bodies; the spec's `*EventBody`
schemas).

The publisher logs one full state per change: every field any presence event body carries, with
the detailed calls and their SIP data. Each filter's body is cut from it here, by the fields of
that filter's schema, so a field the schema does not have never reaches a subscriber.
"""

from __future__ import annotations

from typing import Any

from mockserver.events.filters import ACCOUNT, Filter

Body = dict[str, Any]
MAX_CALLS = 7  # the detailed bodies carry the latest 7 calls

# What the state keeps of a presence record (besides extensionId and the calls).
STATE_FIELDS = (
    "telephonyStatus",
    "aggregatedTelephonyStatus",
    "cxTelephonyStatus",
    "presenceStatus",
    "userStatus",
    "dndStatus",
    "dndStatusPersonal",
    "meetingStatus",
    "allowSeeMyPresence",
    "acceptCallQueueCalls",
    "ringOnMonitoredCall",
    "pickUpCallsOnHold",
)
_COMMON = (
    "extensionId",
    "telephonyStatus",
    "sequence",
    "presenceStatus",
    "userStatus",
    "dndStatus",
    "dndStatusPersonal",
    "allowSeeMyPresence",
    "acceptCallQueueCalls",
    "ringOnMonitoredCall",
    "pickUpCallsOnHold",
)
# ExtensionPresenceEventBody, plus meetingStatus of the docs' samples (schemas/ says so).
BASIC = (*_COMMON, "aggregatedTelephonyStatus", "cxTelephonyStatus", "meetingStatus")
# DetailedExtensionPresence[WithSIP]EventBody (activeCalls are cut on their own).
DETAILED = (*_COMMON, "meetingStatus", "activeCalls", "totalActiveCalls")
# AccountPresenceEventBody.
ACCOUNT_BASIC = (*_COMMON, "meetingStatus")


def state_of(record: dict[str, Any]) -> Body:
    """The full state of one extension from its detailed+SIP presence record (as its owner reads
    it): every field of every presence event body but `sequence` and `ownerId`."""
    state: Body = {"extensionId": str(record["extension"]["id"])}
    state.update((k, record[k]) for k in STATE_FIELDS if k in record)
    calls = record.get("activeCalls")
    if calls is not None:
        state["activeCalls"] = list(calls[-MAX_CALLS:])
        state["totalActiveCalls"] = len(calls)
    return state


def body_for(found: Filter, state: Body, owner_id: int) -> Body:
    """The body one filter gets of a logged state (with its `sequence`)."""
    fields = DETAILED if found.detailed else ACCOUNT_BASIC if found.kind == ACCOUNT else BASIC
    body = {k: state[k] for k in fields if k in state}
    if found.detailed:
        calls = state.get("activeCalls", [])
        body["activeCalls"] = [c if found.sip else _without_sip(c) for c in calls]
        body["totalActiveCalls"] = state.get("totalActiveCalls", len(calls))
    body["ownerId"] = str(owner_id)  # in the body too (decision EVT-18)
    return body


def offline_body(state: Body, owner_id: int) -> Body:
    """What a subscriber who may not see the extension gets (GET reads Offline:
    docs/contract.md#event-visibility)."""
    return {
        "extensionId": state["extensionId"],
        "sequence": state["sequence"],
        "presenceStatus": "Offline",
        "ownerId": str(owner_id),
    }


def _without_sip(call: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in call.items() if k != "sipData"}
