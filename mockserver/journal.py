"""The request journal: each /restapi request with its verdict under the request rules.

In process memory and bounded: the last `limit` requests (a long-running emulator must not grow).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from .http import Request
from .request_rules import RuleProblem

DEFAULT_LIMIT = 1000
# What the journal shows of a request; a token in the query is never kept.
_HIDDEN_QUERY = frozenset({"access_token"})


class Journal:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, request: Request, found: list[RuleProblem], status: int) -> dict[str, Any]:
        entry = {
            "method": request.method,
            "path": request.path,
            "query": {
                name: ["***"] if name in _HIDDEN_QUERY else list(values)
                for name, values in request.query.items()
            },
            "status": status,
            "verdict": "violation" if found else "ok",
            "problems": [problem.to_dict() for problem in found],
        }
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def violations(self) -> list[dict[str, Any]]:
        return [entry for entry in self.entries() if entry["verdict"] == "violation"]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
