"""The emulator's log output: one line per request, written in batches.

A write to stderr per request cost about a tenth of a single-extension GET under load (issue 5's
benchmark: each line a system call, and a lock the request threads queue on). So lines are
gathered in memory and written together every FLUSH_EVERY seconds by a thread of each process,
and at once for a warning or worse, at a worker's exit and at interpreter exit.
"""

from __future__ import annotations

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
        self._pending: list[str] = []
        self._pid: int | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            if self._pid != os.getpid():
                self._start_flusher()
            self._pending.append(line)
        if record.levelno >= logging.WARNING:
            self.flush()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            lines, self._pending = self._pending, []
            if lines and self._pid == os.getpid():
                self.stream.write("".join(lines))
                self.stream.flush()

    def _start_flusher(self) -> None:
        # First line in this process (the master, or a worker after fork: the thread of the
        # process it was forked from did not come along, and its unwritten lines are that
        # process's to write, not this one's).
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
