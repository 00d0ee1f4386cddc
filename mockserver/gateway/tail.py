"""Following the event log from the gateway process: one thread, blocked in the store's own wait
(Redis: XREAD BLOCK; decision WS-17) or reading a SQLite log every 5 ms (one indexed SELECT: its
own wait polls every 20 ms, a quarter of the latency budget), hands each batch of new changes on.

It sees every change whichever worker (or replica sharing Redis) logged it, since the log lives
in the store. The handler runs in this thread, so the event loop never waits on the store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from mockserver.events.log import LoggedChange
from mockserver.storage.outage import Outage

log = logging.getLogger("presence_mock")
WAIT = 1.0  # seconds one wait may block: how soon `stop` is noticed
BATCH = 500


POLL = 0.005  # seconds between two reads of a log whose store cannot block (SQLite)


class Log(Protocol):
    def wait(self, position: int, timeout: float, limit: int = ...) -> list[LoggedChange]: ...

    def after(self, position: int, limit: int = ...) -> list[LoggedChange]: ...

    def last(self) -> int: ...


class Tail:
    def __init__(
        self,
        events: Log,
        handle: Callable[[list[LoggedChange]], None],
        blocks: bool = True,
        outage: Outage | None = None,
        heard: Callable[[int], None] | None = None,
    ) -> None:
        self.events = events
        # Told how far the log has been read once the handler is done (the gateway's returns once
        # the sockets have the batch's frames): the WebHook deliverer of this process waits on it
        # (events/log.py `news`) rather than reading the log itself, and its pass, which reads
        # every subscription, does not run beside the sockets' frames (decision WS-51).
        self.heard = heard
        self.outage = outage or Outage(events.last)  # a store that is down: said once
        self.handle = handle
        self.blocks = blocks  # the store's wait returns as soon as an entry comes (Redis)
        self.position = events.last()  # only what is logged from now on
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-log-tail", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=WAIT * 3)

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.outage.available():  # probed once a second; back: said once
                self._stop.wait(WAIT)
                continue
            try:
                if self.blocks:
                    found = self.events.wait(self.position, WAIT, BATCH)
                else:
                    found = self.events.after(self.position, BATCH)
                    if not found:
                        self._stop.wait(POLL)
                        continue
            except Exception as error:  # a store hiccup (Redis restarting): keep following
                self.outage.report(error, "gateway: reading the event log failed")
                self._stop.wait(WAIT)
                continue
            if not found:
                continue
            self.position = found[-1].position
            try:
                self.handle(found)
            except Exception as error:
                what = f"gateway: handling events up to {self.position} failed"
                self.outage.report(error, what)
            finally:
                if self.heard is not None:
                    self.heard(self.position)
