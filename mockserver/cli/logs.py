"""The command's logging: `--log-level` and `--log-format text|json`, written in batches.

Text is `time [process] message`, one line per record: the time to the millisecond, in a form
that sorts as text, and the process that wrote it (`serve`, `gateway`, `worker PID`). A busy
process writes its lines in batches (requestlog.py), so lines of two workers can then come up to
0.1 s out of order; `sort -s -k1,2` puts a saved log back in order (decision SHIP-8). JSON is one
object per line (`time`, `level`, `process`, and either the request line's fields, see
web/hooks.py, or `message`), for a log collector.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

from mockserver.scaleout.requestlog import BatchingStreamHandler, Fields

TEXT_FORMAT = "%(asctime)s.%(msecs)03d [%(origin)s] %(message)s"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
GATEWAY_PROCESS = "presence-mock-gateway"  # the gateway process's name (runtime/gateway_process.py)
_origin: tuple[int, str] | None = None  # (pid, name): worked out once per process


def origin() -> str:
    """Which process of a `serve` this is: `serve` (the master), `gateway` or `worker PID`."""
    global _origin
    pid = os.getpid()
    if _origin is None or _origin[0] != pid:
        current = multiprocessing.current_process()
        if current.name == "MainProcess":
            name = "serve"
        elif current.name == GATEWAY_PROCESS:
            name = "gateway"
        else:
            name = f"worker {pid}"
        _origin = (pid, name)
    return _origin[1]


class OriginFilter(logging.Filter):
    """Adds `origin` (the writing process, see `origin`) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.origin = origin()
        return True


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT; `line` makes a request's line the same way without a LogRecord
    (requestlog.log_request), the date and time worked out once a second."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT, TIME_FORMAT)
        self._stamped: tuple[int, str] = (-1, "")

    def line(self, created: float, level: int, message: str, fields: Fields) -> str:
        whole = int(created)
        second, stamp = self._stamped
        if second != whole:
            stamp = time.strftime(TIME_FORMAT, self.converter(whole))
            self._stamped = (whole, stamp)
        return f"{stamp}.{int((created - whole) * 1000):03d} [{origin()}] {message}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        process = getattr(record, "origin", None) or origin()
        if isinstance(fields, dict):
            line = _json_line(record.created, record.levelname, process, fields)
        else:
            line = _json_line(record.created, record.levelname, process, {})
            line["message"] = record.getMessage()
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line)

    def line(self, created: float, level: int, message: str, fields: Fields) -> str:
        return json.dumps(_json_line(created, logging.getLevelName(level), origin(), fields()))


def _json_line(created: float, level: str, process: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
        "level": level.lower(),
        "process": process,
        **fields,
    }


def configure(level: str = "info", style: str = "text") -> None:
    logging.getLogger("presence_mock").setLevel(level.upper())
    root = logging.getLogger()
    if any(not isinstance(h, BatchingStreamHandler) for h in root.handlers):
        return  # logging belongs to someone else (pytest, an embedding program), as basicConfig
    for ours in root.handlers[:]:
        root.removeHandler(ours)
    formatter = JsonFormatter() if style == "json" else TextFormatter()
    handler = BatchingStreamHandler(sys.stderr, lines=formatter)
    handler.addFilter(OriginFilter())
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # One line per request: the formats name no source line, thread or process, so don't
    # collect them for every record (the logging cookbook's "Optimization" section).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def flush() -> None:
    """Write every line logged so far (batched lines included) now."""
    for handler in logging.getLogger().handlers:
        handler.flush()
