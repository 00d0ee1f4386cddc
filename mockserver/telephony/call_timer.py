"""The call timer: plays the timed steps of magic-number calls (magic.py) when they fall due on
the emulator's clock, in a thread of a process that lives as long as the server (the gateway
process of `serve`; a thread of `flask run`). In process, `step()` plays them after each request
the mock answers (runtime/background.py).

One timer plays them across the workers and replicas sharing a store: only while it holds the
store's lease `telephony-timer` (as the office-day player holds its own, player.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from mockserver.storage.outage import Outage
from mockserver.telephony.call_engine import CallEngine
from mockserver.telephony.kept_lease import KeptLease, default_owner

LEASE = "telephony-timer"
LEASE_SECONDS = 5.0
POLL = 0.1  # seconds between two looks: a busy number's call ends within this after its ring


class CallTimer:
    def __init__(
        self,
        engine: CallEngine,
        owner: str | None = None,
        poll: float = POLL,
        lease_seconds: float = LEASE_SECONDS,
        wall: Callable[[], float] = time.time,
        outage: Outage | None = None,
    ) -> None:
        self.engine = engine
        self.owner = owner or default_owner()
        self.poll = poll
        self.lease = KeptLease(engine.store, LEASE, self.owner, lease_seconds, wall)
        self.outage = outage or Outage(engine.store.last_event_position)

    def step(self) -> int:
        """Play the due steps now, in this thread (the in-process mode: one process, no lease)."""
        return self.engine.due()

    def tick(self) -> int:
        return self.engine.due() if self.lease.holding() else 0

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception as error:  # a store hiccup must not stop the timer for good
                self.outage.report(error, "presence-mock call timer: a step failed")
            stop.wait(self.poll)
