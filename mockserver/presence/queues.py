"""QueuePresenceService: call-queue presence, seen from the queue and from the agent.

A queue is a Department extension with members (docs/contract.md#queues; decisions
QUEUE-1 to QUEUE-4).
One flag per (queue, member) is both the queue view's `acceptCurrentQueueCalls` and the agent
view's `acceptCalls`; `acceptQueueCalls` is the member's switch for all queues and mirrors their
DND (decision QUEUE-3). Changed flags are kept as store overrides of the queue's own extension ID,
one field per member: a Department has no presence of its own, so they never reach a presence
record, and a reset restores them with the rest of presence.
"""

from __future__ import annotations

from typing import Any

from mockserver.directory.model import Account, Extension, ExtensionType, PresenceSettings
from mockserver.directory.records import Record
from mockserver.errors import (
    InsufficientPermissions,
    InvalidParameter,
    ResourceNotFound,
)
from mockserver.inputs import whole_number
from mockserver.platform.tokens import Caller
from mockserver.presence.parsing import json_object
from mockserver.presence.service import PresenceService

# dndStatus values that keep a member from taking queue calls (decision QUEUE-3).
QUEUE_DND = frozenset({"DoNotAcceptAnyCalls", "DoNotAcceptDepartmentCalls"})
# The main site: the spec's SiteBasicInfo allows "main-site" as its id (decision QUEUE-5).
MAIN_SITE = {"id": "main-site", "name": "Main Site"}


class QueuePresenceService:
    def __init__(self, presence: PresenceService) -> None:
        self.presence = presence
        self.store = presence.store

    # -- lookups --------------------------------------------------------------------------------
    def _queue(self, account: Account, group_param: str) -> Extension:
        """Only a Department is a queue (decision QUEUE-1); anything else is not found."""
        number = whole_number(group_param)
        found = account.by_id.get(number) if number is not None else None
        if found is None or found.type is not ExtensionType.DEPARTMENT:
            raise ResourceNotFound("groupId")
        return found

    def _flags(self, queue: Extension) -> dict[int, bool]:
        stored: dict[str, Any] = dict(self.store.overrides([queue.id]).get(queue.id, {}))
        return {
            m.extension_id: stored.get(str(m.extension_id), m.accept_calls) for m in queue.members
        }

    def _set(self, queue: Extension, changes: dict[int, bool]) -> None:
        if changes:
            fields = {str(member): value for member, value in changes.items()}
            self.store.merge_overrides(queue.id, fields)  # type: ignore[arg-type]
            self.presence.changed(list(changes))

    # -- the queue view -------------------------------------------------------------------------
    def read_queue(self, caller: Caller, account_param: str, group_param: str) -> Record:
        account = self.presence.account(caller, account_param)
        return self._queue_view(account, self._queue(account, group_param))

    def _queue_view(self, account: Account, queue: Extension) -> Record:
        flags = self._flags(queue)
        members = [account.by_id[m.extension_id] for m in queue.members]
        settings = self.presence.settings(members)
        return {
            "records": [
                {
                    "member": {
                        "id": str(member.id),
                        "name": member.name,
                        "extensionNumber": member.number,
                        "site": dict(MAIN_SITE),
                    },
                    "acceptQueueCalls": _takes_queue_calls(settings.get(member.id, {})),
                    "acceptCurrentQueueCalls": flags[member.id],
                }
                for member in members
            ]
        }

    def update_queue(
        self, caller: Caller, account_param: str, group_param: str, raw: bytes
    ) -> Record:
        account = self.presence.account(caller, account_param)
        queue = self._queue(account, group_param)
        body = json_object(raw, "call-queue-update-presence")
        members = {m.extension_id for m in queue.members}
        changes: dict[int, bool] = {}
        for index, item in enumerate(body.get("records", [])):
            member_id = whole_number(str((item.get("member") or {}).get("id", "")))
            if member_id is None or member_id not in members:
                raise InvalidParameter(f"records[{index}].member.id")  # QUEUE-4
            if "acceptCurrentQueueCalls" in item:  # acceptQueueCalls is read-only: ignored
                changes[member_id] = item["acceptCurrentQueueCalls"]
        for changed in changes:
            _may_change(caller, queue, changed)
        self._set(queue, changes)
        return self._queue_view(account, queue)

    # -- the agent view -------------------------------------------------------------------------
    def read_agent(
        self, caller: Caller, account_param: str, id_param: str, editable: bool | None
    ) -> Record:
        account = self.presence.account(caller, account_param)
        agent = self._agent(account, caller, id_param)
        return self._agent_view(account, agent, editable)

    def _agent(self, account: Account, caller: Caller, id_param: str) -> Extension:
        agent = self.presence.extension(account, caller, id_param)
        if agent.id != caller.extension_id and not caller.admin:
            raise InsufficientPermissions("ReadPresenceStatus")
        return agent

    def _agent_view(self, account: Account, agent: Extension, editable: bool | None) -> Record:
        queues = account.queues_of.get(agent.id, [])
        if editable is not None:
            queues = [q for q in queues if q.editable_member_status is editable]
        return {
            "records": [
                {
                    "callQueue": {
                        "id": str(queue.id),
                        "name": queue.name,
                        "extensionNumber": queue.number,
                        "editableMemberStatus": queue.editable_member_status,
                    },
                    "acceptCalls": self._flags(queue)[agent.id],
                }
                for queue in queues
            ]
        }

    def update_agent(self, caller: Caller, account_param: str, id_param: str, raw: bytes) -> Record:
        account = self.presence.account(caller, account_param)
        agent = self._agent(account, caller, id_param)
        body = json_object(raw, "extension-call-queue-update-presence-list")
        queues = {q.id: q for q in account.queues_of.get(agent.id, [])}
        changes: list[tuple[Extension, bool]] = []
        for index, item in enumerate(body.get("records", [])):
            queue_id = whole_number(str((item.get("callQueue") or {}).get("id", "")))
            queue = queues.get(queue_id) if queue_id is not None else None
            if queue is None:
                raise InvalidParameter(f"records[{index}].callQueue.id")  # QUEUE-4
            if "acceptCalls" in item:
                _may_change(caller, queue, agent.id)
                changes.append((queue, item["acceptCalls"]))
        for queue, value in changes:
            self._set(queue, {agent.id: value})
        return self._agent_view(account, agent, None)


def _takes_queue_calls(settings: PresenceSettings | dict[str, Any]) -> bool:
    return settings.get("dndStatus", "TakeAllCalls") not in QUEUE_DND


def _may_change(caller: Caller, queue: Extension, member_id: int) -> None:
    """An administrator changes anyone's flag; a member only their own, and only where the
    queue allows it (decision QUEUE-4)."""
    if caller.admin:
        return
    if member_id != caller.extension_id or not queue.editable_member_status:
        raise InsufficientPermissions("EditCallQueuePresence")
