"""The command's logging: `--log-level` and `--log-format text|json`, written in batches.

Text is `time message`, one line per record. JSON is one object per line (`time`, `level`, and
either the request line's fields, see web/hooks.py, or `message`), for a log collector.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from mockserver.scaleout.requestlog import BatchingStreamHandler

TEXT_FORMAT = "%(asctime)s %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line)


def configure(level: str = "info", style: str = "text") -> None:
    logging.getLogger("presence_mock").setLevel(level.upper())
    root = logging.getLogger()
    if any(not isinstance(h, BatchingStreamHandler) for h in root.handlers):
        return  # logging belongs to someone else (pytest, an embedding program), as basicConfig
    for ours in root.handlers[:]:
        root.removeHandler(ours)
    handler = BatchingStreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if style == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # One line per request: the formats name no source line, thread or process, so don't
    # collect them for every record (the logging cookbook's "Optimization" section).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
