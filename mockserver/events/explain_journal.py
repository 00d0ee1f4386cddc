"""The journal of explained deliveries (docs/explain.md): for each change the publisher
considered, every subscription weighed and why it got the change or not.

Kept in the store like the delivery journal (one bounded list, the last `KEEP` entries of all
extensions together), so `/_mock/events/explain` shows what every worker, gateway and replica
weighed. Four kinds of entry, each a plain record:

- `change`: a logged change, written by the weigher (events/explain.py) when it weighs it;
- `weighed`: one subscription's verdict on one logged change (a reason of `REASONS`);
- `unchanged`: a change the publisher considered that changed no field any event carries
  (a PUT of the same status): nothing was logged, so no subscription got anything;
- `outcome`: what the gateway did with a matched WebSocket notification that did not go out
  (the socket was closed, the client did not read, a chaos rule broke the socket).

Delivered WebHook and WebSocket notifications are not copied here: the read side joins the
delivery journal (events/delivery_journal.py) by subscription and log position.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockserver.events.log import LoggedChange
from mockserver.storage import Entries, Record

NAME = "explained"
KEEP = 5000  # entries of all extensions together (docs/explain.md, "How much is kept")

# The reasons (docs/explain.md says what each means).
DELIVERED = "delivered"
PENDING = "pending"  # matched, not sent yet (or its outcome has left the delivery journal)
NO_FILTER = "filterDidNotMatch"
UNCHANGED = "noFieldChanged"
HIDDEN = "hiddenUser"
NO_PERMISSION = "missingPermission"
EXPIRED = "expired"
BLACKLISTED = "blacklisted"
SUSPENDED = "suspended"
SOCKET_CLOSED = "socketClosed"
NOT_READING = "notReading"
CHAOS = "chaosRule"
RATE = "rate"
RECEIVER_FAILED = "receiverFailed"
REASONS = (
    DELIVERED,
    PENDING,
    NO_FILTER,
    UNCHANGED,
    HIDDEN,
    NO_PERMISSION,
    EXPIRED,
    BLACKLISTED,
    SUSPENDED,
    SOCKET_CLOSED,
    NOT_READING,
    CHAOS,
    RATE,
    RECEIVER_FAILED,
)
MATCHED = "matched"  # a `weighed` entry's reason when the subscription gets the change


class ExplainJournal:
    def __init__(self, store: Entries, keep: int = KEEP) -> None:
        self.store = store
        self.keep = keep

    def record(self, entries: Sequence[Record]) -> None:
        """Several entries in one store write."""
        if entries:
            self.store.append_entries(NAME, entries, self.keep)

    def entries(self) -> list[Record]:
        return self.store.entries(NAME)

    def clear(self) -> None:
        self.store.clear_entries(NAME)


def changed_fields(change: LoggedChange) -> list[str]:
    """The fields of the full state that differ from the state it replaced (not `sequence`)."""
    keys = dict.fromkeys([*change.previous, *change.body])
    return [k for k in keys if k != "sequence" and change.body.get(k) != change.previous.get(k)]


def change_entry(change: LoggedChange) -> Record:
    return {
        "kind": "change",
        "position": change.position,
        "extensionId": str(change.extension_id),
        "accountId": str(change.account_id),
        "sequence": change.sequence,
        "time": change.time,
        "changed": changed_fields(change),
    }


def unchanged_entry(extension_id: int, account_id: int, time: float, after: int) -> Record:
    """A change considered that changed nothing; `after`: the log's last position then."""
    return {
        "kind": "unchanged",
        "position": after,
        "extensionId": str(extension_id),
        "accountId": str(account_id),
        "time": time,
    }


def outcome_entry(
    subscription_id: str,
    position: int,
    reason: str,
    detail: str,
    time: float,
    **more: Any,
) -> Record:
    """What became of a matched notification that was not sent (the gateway's word)."""
    return {
        "kind": "outcome",
        "subscriptionId": subscription_id,
        "position": position,
        "reason": reason,
        "detail": detail,
        "time": time,
        **more,
    }
