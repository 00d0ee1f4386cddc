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
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from mockserver.scaleout.batching import FLUSH_EVERY, Batcher

# Lines of one process written at once in each interval before it batches: 200 a second, about
# the most a test script makes, costs a write each (microseconds); a load test batches.
AT_ONCE = 20


Fields = Callable[[], dict[str, Any]]  # a request's fields, made only for a format that shows them


class LineFormatter(Protocol):
    """A formatter that also makes a request's line without a LogRecord (cli/logs.py)."""

    def line(self, created: float, level: int, message: str, fields: Fields) -> str: ...


class BatchingStreamHandler(logging.StreamHandler[TextIO]):
    def __init__(
        self,
        stream: TextIO,
        interval: float = FLUSH_EVERY,
        at_once: int = AT_ONCE,
        lines: LineFormatter | None = None,
    ) -> None:
        super().__init__(stream)
        # Set by `serve`'s logging set-up, with the formatter it gives this handler: request
        # lines then skip the logging machinery (log_request below).
        self.lines = lines
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
        self._take(line, record.levelno, lambda: record)

    def emit_line(self, level: int, message: str, fields: Fields) -> None:
        """A request's line, formatted as `emit` would format its record."""
        assert self.lines is not None
        created = time.time()
        try:
            line = self.lines.line(created, level, message, fields) + self.terminator
        except Exception:
            self.handleError(_record(level, message, created))
            return
        self._take(line, level, lambda: _record(level, message, created))

    def _take(self, line: str, level: int, record: Callable[[], logging.LogRecord]) -> None:
        self._lines.add(line)
        now = time.monotonic()
        if now - self._window >= self._interval:
            self._window, self._in_window = now, 0
        self._in_window += 1
        if level >= logging.WARNING:
            self._hand_on(record, wait=True)
        elif self._in_window <= self._at_once:
            self._hand_on(record, wait=False)  # never waits for another thread's write

    def _hand_on(self, record: Callable[[], logging.LogRecord], wait: bool) -> None:
        try:
            self._lines.flush(wait)
        except Exception:
            self.handleError(record())

    def flush(self) -> None:
        self._lines.flush()

    def _write(self, lines: list[str]) -> None:
        self.stream.write("".join(lines))
        self.stream.flush()


def log_request(logger: logging.Logger, level: int, message: str, fields: Fields) -> None:
    """One request's log line. Where logging is as `serve` sets it up (the logger's records go
    to the root's one batching handler and nothing else), the line goes straight to that
    handler: a LogRecord, the logger hierarchy and `Formatter.format` cost about as much as the
    rest of a short request. Anywhere else (pytest's capture, an embedding program's own
    handlers), it is an ordinary record (decision PERF-11)."""
    handler = _sole_handler(logger, level)
    if handler is None:
        logger.log(level, "%s", message, extra={"fields": fields()})
    else:
        handler.emit_line(level, message, fields)


def _sole_handler(logger: logging.Logger, level: int) -> BatchingStreamHandler | None:
    root = logging.root
    if logger.handlers or logger.filters or not logger.propagate or logger.parent is not root:
        return None
    if root.filters or len(root.handlers) != 1 or logging.root.manager.disable >= level:
        return None
    handler = root.handlers[0]
    if (
        not isinstance(handler, BatchingStreamHandler)
        or handler.lines is None
        or id(handler.formatter) != id(handler.lines)
        or level < handler.level
    ):
        return None
    return handler


def _record(level: int, message: str, created: float) -> logging.LogRecord:
    record = logging.makeLogRecord({"levelno": level, "msg": message})
    record.created = created
    return record


def flush_all() -> None:
    """Write every pending line now (a worker calls this as it exits:
    mockserver/runtime/workers.py)."""
    for handler in logging.getLogger().handlers:
        handler.flush()
