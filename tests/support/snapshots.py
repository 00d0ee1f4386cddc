"""An interesting office for the snapshot tests, built through the emulator's own services:
presence and user status set, a queue flag and unified presence changed, a call answered, one
ringing and a meeting, a WebHook subscription, a moved and frozen clock; and snapshots compared
apart from their one timestamp."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from mockserver.directory.model import Account, Extension, ExtensionType
from mockserver.emulator import Emulator
from mockserver.events.webhooks import Answer, Outgoing
from mockserver.platform.tokens import Caller

KINDS = ["memory", "sqlite", "redis"]  # the stores a snapshot travels between
EmulatorOf = Callable[[str], Emulator]  # a new emulator over a fresh store of the kind named
HOOK = "http://127.0.0.1:9/snapshot-hook"  # a callable receiver stands for it: nothing is sent
OWN_PRESENCE = "/restapi/v1.0/account/~/extension/~/presence"


def _echo(outgoing: Outgoing) -> Answer:
    token = outgoing.headers.get("Validation-Token", "")
    return Answer(200, {"Validation-Token": token} if token else {})


def caller_of(emulator: Emulator, ext: Extension) -> Caller:
    app = emulator.directory.apps[0]
    return Caller(
        account_id=ext.account_id,
        extension_id=ext.id,
        client_id=app.client_id,
        admin=ext.admin,
        permissions=frozenset(app.permissions),
        now=emulator.clock.now(),
    )


def users_of(account: Account) -> list[Extension]:
    """The users who take calls as seeded (available, no DND, no call, enabled)."""
    return [
        e
        for e in account.extensions
        if e.type.is_user
        and e.status == "Enabled"
        and not e.active_calls
        and e.settings.get("userStatus") == "Available"
        and e.settings.get("dndStatus", "TakeAllCalls") == "TakeAllCalls"
    ]


def build_office(emulator: Emulator) -> None:
    """Changes of every kind a snapshot carries."""
    account = emulator.directory.accounts[0]
    users = users_of(account)
    admin = account.administrator
    emulator.clock.change(advance=3600.0)
    emulator.telephony.set_presence(account, str(users[3].id), {"userStatus": "Busy"})
    emulator.telephony.set_presence(account, str(users[4].id), {"message": "back at 3"})
    queue = next(e for e in account.extensions if e.type is ExtensionType.DEPARTMENT and e.members)
    member = queue.members[0].extension_id
    body = {"records": [{"member": {"id": str(member)}, "acceptCurrentQueueCalls": False}]}
    emulator.queues.update_queue(
        caller_of(emulator, admin), "~", str(queue.id), json.dumps(body).encode()
    )
    glip = {"glip": {"visibility": "Invisible"}}
    emulator.unified.update(
        caller_of(emulator, admin), "~", str(admin.id), json.dumps(glip).encode()
    )
    placed = emulator.telephony.call(account, "+16505550100", str(users[5].id), "Ada")
    emulator.telephony.answer(account, placed["telephonySessionId"])
    emulator.telephony.call(account, str(users[6].id), str(users[7].id))
    emulator.telephony.meeting(account, str(users[8].id), start=True)
    emulator.events.transport.receivers[HOOK] = _echo
    emulator.events.subscriptions.create(
        caller_of(emulator, admin),
        {
            "eventFilters": [OWN_PRESENCE],
            "deliveryMode": {"transportType": "WebHook", "address": HOOK},
        },
    )
    emulator.clock.freeze()


def without_timestamp(raw: bytes) -> bytes:
    """A snapshot's text without its timestamps: the `exportedAt` line, and the start times of
    the seed's calls, which each server places before its own store was first served (decision
    CALL-81)."""
    kept = b"".join(
        line for line in raw.splitlines(keepends=True) if not line.startswith(b'  "exportedAt"')
    )
    return re.sub(rb'"startTime": "[^"]*"', b'"startTime": "T"', kept)


def sections(raw: bytes) -> dict[str, Any]:
    """A snapshot's sections, its timestamps aside (as `without_timestamp`)."""
    found: dict[str, Any] = json.loads(without_timestamp(raw))
    found.pop("exportedAt", None)
    return found
