"""The emulator's log output: one line per request, written at once while a process logs
little, in batches when it logs a lot (batching.py).

A write to stderr per request, under the handler's lock, is a visible part of a short request
under load (docs/decisions.md, SERVE-3). So a line is formatted in the request's thread and
gathered; a thread of each process writes what has gathered every 0.1 s. But the first
AT_ONCE lines of every 0.1 s are written at once, in the request's thread before its answer
goes out: at the pace a person or a test script makes requests, every line is on screen before
the client can send its next request, so the lines of several workers come in the order the
requests were served (decision SHIP-8); only a process serving more than AT_ONCE requests in
0.1 s batches the rest. A warning or worse is written at once, and pending lines at a worker's
exit and at interpreter exit.
"""

from __future__ import annotations

import logging
import time
from typing import TextIO

from mockserver.scaleout.batching import FLUSH_EVERY, Batcher

# Lines of one process written at once in each interval before it batches: 200 a second, about
# the most a test script makes, costs a write each (microseconds); a load test batches.
AT_ONCE = 20


class BatchingStreamHandler(logging.StreamHandler[TextIO]):
    def __init__(
        self, stream: TextIO, interval: float = FLUSH_EVERY, at_once: int = AT_ONCE
    ) -> None:
        super().__init__(stream)
        self._lines: Batcher[str] = Batcher(self._write, interval)
        self._interval = interval
        self._at_once = at_once
        # The current interval's start and how many lines it had (approximate across the
        # request threads: no lock for a count that only decides when to write).
        self._window = 0.0
        self._in_window = 0

    def handle(self, record: logging.LogRecord) -> bool:
        # Handler.handle would hold the handler's lock around emit; nothing here needs it.
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        self._lines.add(line)
        now = time.monotonic()
        if now - self._window >= self._interval:
            self._window, self._in_window = now, 0
        self._in_window += 1
        if record.levelno >= logging.WARNING:
            self._hand_on(record, wait=True)
        elif self._in_window <= self._at_once:
            self._hand_on(record, wait=False)  # never waits for another thread's write

    def _hand_on(self, record: logging.LogRecord, wait: bool) -> None:
        try:
            self._lines.flush(wait)
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        self._lines.flush()

    def _write(self, lines: list[str]) -> None:
        self.stream.write("".join(lines))
        self.stream.flush()


def flush_all() -> None:
    """Write every pending line now (a worker calls this as it exits:
    mockserver/runtime/workers.py)."""
    for handler in logging.getLogger().handlers:
        handler.flush()
