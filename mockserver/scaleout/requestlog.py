"""The emulator's log output: one line per request, written in batches (batching.py).

A write to stderr per request, under the handler's lock, is a visible part of a short request
under load (docs/decisions.md, "request log"). So a line is formatted in the request's thread
and gathered; a thread of each process writes what has gathered every 0.1 s. A warning or
worse is written at once, and pending lines at a worker's exit and at interpreter exit.
"""

from __future__ import annotations

import logging
from typing import TextIO

from mockserver.scaleout.batching import FLUSH_EVERY, Batcher


class BatchingStreamHandler(logging.StreamHandler[TextIO]):
    def __init__(self, stream: TextIO, interval: float = FLUSH_EVERY) -> None:
        super().__init__(stream)
        self._lines: Batcher[str] = Batcher(self._write, interval)

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
        if record.levelno >= logging.WARNING:
            try:
                self.flush()
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
