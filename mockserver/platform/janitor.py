"""Forgetting what has expired: tokens, sessions, codes and rate-limit windows (decision STORE-2).

The store keeps each expiring record with the emulator time after which nobody needs it; the
janitor asks it to forget those now past, at most once every few seconds per process, from the
paths that write such records (a login, a counted request). Cheap: one time comparison per call,
and a purge is one indexed DELETE (SQLite) or one pass over a dict (memory). Redis expires its
keys itself.
"""

from __future__ import annotations

import threading
import time

from mockserver.storage import Records

PURGE_EVERY = 5.0  # wall-clock seconds between two purges of one process
# An expired token or code is kept this long (emulator time) past its expiry, so a client that
# presents it still hears "expired" (OAU-128, OAU-108) rather than "not found".
GRACE = 3600.0


class Janitor:
    def __init__(self, store: Records) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._next = 0.0

    def tidy(self, now: float) -> None:
        """Purge what expired by `now` (emulator time) if the last purge is a while ago."""
        moment = time.monotonic()
        if moment < self._next:
            return
        with self._lock:
            if moment < self._next:
                return
            self._next = moment + PURGE_EVERY
        self.store.purge(now)
