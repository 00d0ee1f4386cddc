"""The request journal: each /restapi request with its verdict under the request rules.

Kept in the store, so every worker and replica sharing it reads one journal and a reset clears
it for all. Bounded: the last `limit` requests (a long-running emulator must not grow). With a
store other processes share, entries are gathered per process and written in batches
(mockserver/batching.py): a store write per request would cost more than the request. So a read
first writes this process's batch and waits out a batch period for the others'.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from .batching import FLUSH_EVERY, Batcher
from .http import Request
from .request_rules import RuleProblem
from .storage import Store

DEFAULT_LIMIT = 1000
NAME = "journal"
CLEARED = ("journal", "cleared")  # when the journal was last cleared, for every process
# What the journal shows of a request; a token in the query is never kept.
_HIDDEN_QUERY = frozenset({"access_token"})


class Journal:
    def __init__(self, store: Store, limit: int = DEFAULT_LIMIT, shared: bool = False) -> None:
        self.store = store
        self.limit = limit
        self.shared = shared  # other processes write to the same store
        self._batch: Batcher[dict[str, Any]] = Batcher(self._write)

    def record(self, request: Request, found: list[RuleProblem], status: int) -> dict[str, Any]:
        entry = {
            "time": _now(),
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
        if self.shared:
            self._batch.add(entry)
        else:  # this process's own store: no batch to wait for
            self.store.append_entries(NAME, [entry], self.limit)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        """Every request since the last clear, oldest first, from every process."""
        self._batch.flush()
        if self.shared:
            time.sleep(2 * FLUSH_EVERY)  # the other processes' batches of requests answered
        cleared = (self.store.get(*CLEARED) or {}).get("time", "")
        # Batches of several processes arrive interleaved: order by time (ISO text sorts so).
        found = sorted(self.store.entries(NAME), key=lambda entry: entry["time"])
        return [entry for entry in found if entry["time"] >= cleared][-self.limit :]

    def violations(self) -> list[dict[str, Any]]:
        return [entry for entry in self.entries() if entry["verdict"] == "violation"]

    def clear(self) -> None:
        self._batch.discard()
        self.store.clear_entries(NAME)
        # A batch another process gathered before this clear may still arrive: it is older.
        self.store.put(*CLEARED, {"time": _now()})

    def _write(self, entries: list[dict[str, Any]]) -> None:
        self.store.append_entries(NAME, entries, self.limit)


def _now() -> str:
    # Microseconds: entries of one millisecond keep their order, and a clear its boundary.
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
