"""The emulator's sense of time, movable so tests can expire tokens without sleeping.

The offset lives in the store when there is one, so `POST /_mock/clock` moves time for every
worker and replica that shares the store, not only for the process that answered.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .storage import Store

NAMESPACE, KEY = "clock", "offset"


class Clock:
    def __init__(self, store: Store | None = None) -> None:
        self._store = store
        self._offset = 0.0

    @property
    def offset(self) -> float:
        if self._store is None:
            return self._offset
        found = self._store.get(NAMESPACE, KEY)
        return float(found["seconds"]) if found else 0.0

    @offset.setter
    def offset(self, seconds: float) -> None:
        if self._store is None:
            self._offset = seconds
        else:
            self._store.put(NAMESPACE, KEY, {"seconds": seconds})

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset = self.offset + seconds
