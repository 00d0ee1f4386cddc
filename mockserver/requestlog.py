"""The emulator's log output: one line per request, written in batches.

Under load a write to stderr per request, under the handler's lock, cost about a tenth of a
single-extension GET (issue 5's benchmark: a system call each, and request threads queueing on
the lock). So a line is formatted in the request's thread and put on a deque (append is atomic,
no lock), and a thread of each process writes what has gathered every FLUSH_EVERY seconds. A
warning or worse is written at once, and pending lines at a worker's exit and at interpreter exit.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from typing import TextIO

FLUSH_EVERY = 0.1  # seconds: quick enough to watch a log, rare enough to cost nothing


class BatchingStreamHandler(logging.StreamHandler[TextIO]):
    def __init__(self, stream: TextIO, interval: float = FLUSH_EVERY) -> None:
        super().__init__(stream)
        self.interval = interval
        self._pending: collections.deque[str] = collections.deque()
        self._pid: int | None = None

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
        if self._pid != os.getpid():
            self._start_flusher()
        self._pending.append(line)
        if record.levelno >= logging.WARNING:
            self.flush()

    def flush(self) -> None:
        lines: list[str] = []
        with self.lock:  # type: ignore[union-attr]  # one writer at a time keeps lines in order
            if self._pid != os.getpid():
                return  # forked, nothing logged here yet: the lines are the parent's to write
            try:
                while True:
                    lines.append(self._pending.popleft())
            except IndexError:
                pass
            if lines:
                self.stream.write("".join(lines))
                self.stream.flush()

    def _start_flusher(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if self._pid == os.getpid():
                return
            # First line in this process (the master, or a worker after fork: the thread of
            # the process it was forked from did not come along, and its unwritten lines are
            # that process's to write, not this one's).
            self._pending.clear()
            self._pid = os.getpid()
        threading.Thread(target=self._flush_forever, name="log-flusher", daemon=True).start()

    def _flush_forever(self) -> None:
        pid = os.getpid()
        while self._pid == pid:
            time.sleep(self.interval)
            self.flush()


def flush_all() -> None:
    """Write every pending line now (a gunicorn worker calls this as it exits)."""
    for handler in logging.getLogger().handlers:
        handler.flush()
