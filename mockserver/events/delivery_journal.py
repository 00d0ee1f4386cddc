"""The journal of delivered events (docs/contract.md#delivered-events-journal): each WebHook POST
with the receiver's answer, each WebSocket notification (the gateway records them through `record`).
Kept in the store, so /_mock/events shows what every worker and replica delivered."""

from __future__ import annotations

from typing import Any

from mockserver.storage import Entries, Record

NAME = "delivered"
KEEP = 1000


class DeliveryJournal:
    def __init__(self, store: Entries, keep: int = KEEP) -> None:
        self.store = store
        self.keep = keep

    def record(self, transport: str, envelope: dict[str, Any], **details: Any) -> None:
        """One delivery attempt (`details` as `entry_of` takes them: time, position, and for a
        WebHook its address, the receiver's status or the error, the attempt)."""
        self.record_all([entry_of(transport, envelope, **details)])

    def record_all(self, entries: list[Record]) -> None:
        """Several entries (`entry_of`) in one store write: the gateway journals every
        notification of a change at once, which for 1,000 sockets is 1,000 entries."""
        self.store.append_entries(NAME, entries, self.keep)

    def entries(self) -> list[Record]:
        return self.store.entries(NAME)

    def clear(self) -> None:
        self.store.clear_entries(NAME)


def entry_of(
    transport: str,
    envelope: dict[str, Any],
    *,
    time: float,
    position: int,
    address: str | None = None,
    session_id: str | None = None,
    status: int | None = None,
    error: str | None = None,
    attempt: int = 1,
    fault: str | None = None,
) -> Record:
    """One journal entry (what `record` writes)."""
    entry: Record = {
        "time": time,
        "transport": transport,
        "subscriptionId": envelope["subscriptionId"],
        "position": position,
        "attempt": attempt,
        "delivered": error is None and (status is None or 200 <= status < 300),
        "status": status,
        "error": error,
        "event": envelope,
    }
    if address is not None:
        entry["address"] = address
    if session_id is not None:
        entry["sessionId"] = session_id
    if fault is not None:  # a fault rule of `webhookDelivery` made this attempt
        entry["fault"] = fault
    return entry
