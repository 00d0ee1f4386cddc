"""UnifiedPresenceService: one status over Glip (chat), telephony and meetings.

Shapes and visibility rules are the spec's `UnifiedPresence`; how the parts map onto classic
presence and how `status` is derived follow decisions UNI-1 to UNI-4:
* glip.status is Online unless userStatus is Offline; glip visibility and availability are the
  user's own settings (default Visible and Available), kept as store overrides under the
  negated extension ID so that they never reach a presence record;
* telephony.status is telephonyStatus; telephony.availability is dndStatus
  (DoNotAcceptQueueCalls <-> DoNotAcceptDepartmentCalls); telephony.visibility is
  allowSeeMyPresence;
* meeting.status is InMeeting exactly when meetingStatus is Connected.
"""

from __future__ import annotations

from typing import Any

from mockserver.directory.model import Account, Extension, PresenceSettings
from mockserver.directory.records import Record
from mockserver.errors import BatchLimit, ResourceNotFound, UserPermissionRequired
from mockserver.platform.tokens import Caller
from mockserver.presence.aggregation import telephony_status
from mockserver.presence.live import State
from mockserver.presence.parsing import json_object
from mockserver.presence.service import MAX_BATCH, PresenceService

# dndStatus -> telephony.availability; TakeDepartmentCallsOnly (legacy) and Unknown take calls.
TO_AVAILABILITY = {
    "DoNotAcceptAnyCalls": "DoNotAcceptAnyCalls",
    "DoNotAcceptDepartmentCalls": "DoNotAcceptQueueCalls",
}
FROM_AVAILABILITY = {
    "TakeAllCalls": "TakeAllCalls",
    "DoNotAcceptAnyCalls": "DoNotAcceptAnyCalls",
    "DoNotAcceptQueueCalls": "DoNotAcceptDepartmentCalls",
}
GLIP_DEFAULTS = {"visibility": "Visible", "availability": "Available"}


def not_found() -> ResourceNotFound:
    # The operation is served by the Team Messaging backend, which names the contact
    # (the recorded batch example: "Resource for parameter [contactId] is not found.").
    return ResourceNotFound("contactId", message="Resource for parameter [contactId] is not found.")


class UnifiedPresenceService:
    def __init__(self, presence: PresenceService) -> None:
        self.presence = presence
        self.store = presence.store

    def _user(self, account: Account, caller: Caller, id_param: str) -> Extension | None:
        found = self.presence._find(account, caller, id_param)
        return found if found is not None and found.type.is_user else None  # UNI-3

    def _glip(self, extension_ids: list[int]) -> dict[int, dict[str, Any]]:
        stored = self.store.overrides([-i for i in extension_ids])
        return {i: {**GLIP_DEFAULTS, **stored.get(-i, {})} for i in extension_ids}

    def read_one(self, caller: Caller, account_param: str, id_param: str) -> Record:
        account = self.presence.account(caller, account_param)
        user = self._user(account, caller, id_param)
        if user is None:
            raise not_found()
        state = self.presence.states([user])[user.id]
        return _unified(caller, state, self._glip([user.id])[user.id], user)

    def read_batch(self, caller: Caller, account_param: str, ids: list[str]) -> list[Record]:
        """The 207 JSON array of the recorded example, one entry per ID in request order."""
        if len(ids) > MAX_BATCH:
            raise BatchLimit(str(MAX_BATCH))
        account = self.presence.account(caller, account_param)
        users = [self._user(account, caller, i) for i in ids]
        known = [u for u in users if u is not None]
        states = self.presence.states(known)
        glip = self._glip([u.id for u in known])
        entries: list[Record] = []
        for id_param, user in zip(ids, users, strict=True):
            if user is None:
                # The recorded 404 item holds `errors[]` only (decision FID-6), unlike a
                # whole answer's body, which carries the top-level fields too.
                errors = {"errors": not_found().to_body()["errors"]}
                entries.append({"status": 404, "resourceId": id_param, "body": errors})
                continue
            body = _unified(caller, states[user.id], glip[user.id], user)
            # The recorded example's key order: status, resourceId, body.
            entries.append({"status": 200, "resourceId": str(user.id), "body": body})
        return entries

    def update(self, caller: Caller, account_param: str, id_param: str, raw: bytes) -> Record:
        account = self.presence.account(caller, account_param)
        user = self._user(account, caller, id_param)
        if user is None:
            raise not_found()
        if user.id != caller.extension_id:  # "for the current user" only, admins included
            raise UserPermissionRequired("EditPresenceStatus")
        body = json_object(raw, "update-unified-presence")
        glip = {k: v for k, v in (body.get("glip") or {}).items() if k in GLIP_DEFAULTS}
        if glip:
            self.store.merge_overrides(-user.id, glip)  # type: ignore[arg-type]
        availability = (body.get("telephony") or {}).get("availability")
        if availability is not None:
            changes: PresenceSettings = {"dndStatus": FROM_AVAILABILITY[availability]}
            self.store.merge_overrides(user.id, changes)
        if glip or availability is not None:
            self.presence.changed([user.id])
        return self.read_one(caller, account_param, str(user.id))


def _unified(caller: Caller, state: State, glip_state: dict[str, Any], user: Extension) -> Record:
    settings, live = state.settings, state.live(user)
    own = caller.extension_id == user.id
    telephony_visible = settings.get("allowSeeMyPresence", True)
    glip_visible = glip_state["visibility"] == "Visible"
    glip: Record = {}
    telephony: Record = {}
    glip_status = "Offline" if settings.get("userStatus") == "Offline" else "Online"
    call_status = telephony_status(live.calls)
    if own or glip_visible:
        glip["status"] = glip_status
    if own:
        glip["visibility"] = glip_state["visibility"]
    glip["availability"] = glip_state["availability"]
    if own or telephony_visible:
        telephony["status"] = call_status
    if own:
        telephony["visibility"] = "Visible" if telephony_visible else "Invisible"
    dnd = str(settings.get("dndStatus", "TakeAllCalls"))
    telephony["availability"] = TO_AVAILABILITY.get(dnd, "TakeAllCalls")
    meeting = "InMeeting" if live.meeting == "Connected" else "NoMeeting"
    return {
        "status": _status(glip, telephony, meeting),
        "glip": glip,
        "telephony": telephony,
        "meeting": {"status": meeting},
    }


def _status(glip: Record, telephony: Record, meeting: str) -> str:
    """Decision UNI-2 over the parts the requester sees (a part without `status` is hidden)."""
    sees_glip, sees_telephony = "status" in glip, "status" in telephony
    if not sees_glip and not sees_telephony:
        return "Offline"
    if (sees_glip and glip["availability"] == "DND") or (
        sees_telephony and telephony["availability"] == "DoNotAcceptAnyCalls"
    ):
        return "DND"
    if (sees_telephony and telephony["status"] != "NoCall") or meeting == "InMeeting":
        return "Busy"
    if sees_glip and glip["status"] == "Offline":
        return "Offline"
    return "Available"
