"""The event log: every published change of presence, in one order for every worker and replica.

Kept in the store (memory: a list and a condition; SQLite: a table with an autoincrement id;
Redis: a stream whose IDs are the positions), so a change published by any process is read by
the WebSocket gateway and the WebHook deliverer of any other. Positions only grow.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from mockserver.presence.wire import dumps
from mockserver.storage import EventStream, Record

KEEP = 10_000  # entries the log keeps (Redis trims approximately: MAXLEN ~)
DEFAULT_LIMIT = 100


@dataclass(frozen=True, slots=True)
class LoggedChange:
    """One logged change of one extension's presence."""

    position: int
    extension_id: int
    account_id: int
    sequence: int
    time: float  # the emulator's clock when it was published
    body: dict[str, Any]  # the full detailed+SIP state, with `sequence` (bodies.state_of)
    previous: dict[str, Any]  # the state it replaced (the seed's, for the first change)

    @classmethod
    def of(cls, entry: Record) -> LoggedChange:
        return cls(
            position=int(entry["position"]),
            extension_id=int(entry["extensionId"]),
            account_id=int(entry["accountId"]),
            sequence=int(entry["sequence"]),
            time=float(entry["time"]),
            body=entry["body"],
            previous=entry["previous"],
        )

    def to_wire(self) -> dict[str, Any]:
        """The shape /_mock/ and the board's stream show (decision WS-15)."""
        return {
            "position": self.position,
            "extensionId": str(self.extension_id),
            "sequence": self.sequence,
            "time": self.time,
            "body": self.body,
        }


def canonical(state: dict[str, Any]) -> str:
    """The text two states are compared by: equal states, equal text, on every store (the
    json module's sorted compact text, by orjson where that is the same: decision PERF-14)."""
    return dumps(state, sort_keys=True).decode()


class EventLog:
    def __init__(self, store: EventStream, keep: int = KEEP) -> None:
        self.store = store
        self.keep = keep
        # News in this process: a follower of the log here (the gateway's tail) says how far it
        # has read, and whoever waits in `news` wakes at once (decision EVT-40).
        self.followed = False
        self._heard = 0
        self._news = threading.Condition()

    def append(
        self,
        extension_id: int,
        account_id: int,
        state: dict[str, Any],
        baseline: dict[str, Any],
        time: float,
    ) -> LoggedChange | None:
        """Log `state` if it differs from the extension's last published state (or, before any,
        from `baseline`): the sequence grows and the change gets the next position. None when
        nothing changed. Atomic across processes (the store's publish_event)."""
        entry = {"extensionId": extension_id, "accountId": account_id, "time": time}
        logged = self.store.publish_event(
            extension_id, canonical(state), canonical(baseline), entry, self.keep
        )
        return LoggedChange.of(logged) if logged is not None else None

    def after(self, position: int, limit: int = DEFAULT_LIMIT) -> list[LoggedChange]:
        """Up to `limit` changes after `position`, oldest first."""
        return [LoggedChange.of(e) for e in self.store.events_after(position, limit)]

    def wait(self, position: int, timeout: float, limit: int = DEFAULT_LIMIT) -> list[LoggedChange]:
        """As `after`, but waiting up to `timeout` seconds while there is nothing new (Redis:
        XREAD BLOCK; memory: a condition; SQLite: polls every 20 ms)."""
        found = self.store.events_after(position, limit, wait=timeout)
        return [LoggedChange.of(e) for e in found]

    def heard(self, position: int) -> None:
        """A follower of the log in this process has read up to `position`: wake `news`."""
        with self._news:
            if position > self._heard:
                self._heard = position
                self._news.notify_all()

    def news(self, position: int, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a change after `position`; whether one came. Woken
        by the follower of this process when there is one (`followed`), else by the store's own
        wait (`wait`)."""
        if not self.followed:
            return bool(self.wait(position, timeout, limit=1))
        with self._news:
            return self._news.wait_for(lambda: self._heard > position, timeout)

    def last(self) -> int:
        """The newest position (0 before any change)."""
        return self.store.last_event_position()
