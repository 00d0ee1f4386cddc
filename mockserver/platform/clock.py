"""The emulator's sense of time, movable so tests can expire tokens without sleeping.

The offset lives in the store, so `POST /_mock/clock` moves time for every worker and replica
that shares it, not only for the process that answered.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockserver.storage import Record, Store

# Where the offset is kept: {"seconds": float}, absent until the clock is first moved.
OFFSET_KEY = ("clock", "offset")


class Clock:
    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def offset(self) -> float:
        return offset_of(self._store.get(*OFFSET_KEY))

    @offset.setter
    def offset(self, seconds: float) -> None:
        self._store.put(*OFFSET_KEY, {"seconds": seconds})

    def now(self) -> float:
        return now_at(self._store.get(*OFFSET_KEY))

    def advance(self, seconds: float) -> None:
        self.offset = self.offset + seconds


def offset_of(found: Record | None) -> float:
    """The offset in a record read at OFFSET_KEY."""
    return float(found["seconds"]) if found else 0.0


def now_at(found: Record | None) -> float:
    """The emulator's time, given the record at OFFSET_KEY (an API request reads it together
    with its token, in one store round trip)."""
    return time.time() + offset_of(found)
