"""The request journal: each /restapi request with its verdict under the request rules.

Kept in the store, so every worker and replica sharing it reads one journal and a reset clears
it for all. Bounded: the last `limit` requests (a long-running emulator must not grow).

With a store other processes share, writing every entry would cost more than the requests (a
store write each, or in batches still most of a single GET's budget in issue 5's benchmark), and
the journal is read rarely. So each process keeps its last `limit` entries in memory, and its
flusher thread (mockserver/batching.py) writes them to the store only when a read has asked
since its last write: a read leaves a mark in the store, writes its own process's entries, and
waits two flush periods for the others'.
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
WANTED = ("journal", "wanted")  # when the journal was last read: write your entries
# What the journal shows of a request; a token in the query is never kept.
_HIDDEN_QUERY = frozenset({"access_token"})


class Journal:
    def __init__(self, store: Store, limit: int = DEFAULT_LIMIT, shared: bool = False) -> None:
        self.store = store
        self.limit = limit
        self.shared = shared  # other processes write to the same store
        self._batch: Batcher[dict[str, Any]] = Batcher(self._write, keep=limit, when=self._wanted)
        self._written_at = ""

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
        if self.shared:
            self.store.put(*WANTED, {"time": _now()})
            self._batch.flush()
            time.sleep(2 * FLUSH_EVERY)  # the other processes see the mark and write theirs
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

    def _wanted(self) -> bool:
        """Has a read asked for the entries since this process last wrote them?"""
        wanted = (self.store.get(*WANTED) or {}).get("time", "")
        if wanted <= self._written_at:
            return False
        self._written_at = _now()
        return True


def _now() -> str:
    # Microseconds: entries of one millisecond keep their order, and a clear its boundary.
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
