"""The journal of several processes sharing one store: gathered here, written when read.

Writing every entry to a shared store would cost more than the requests themselves, and the
journal is read rarely (docs/decisions.md, "Journal"). So each process keeps its last `limit`
entries in memory, and its flusher thread (batching.py) writes them to the store only when a
read has asked since its last write: a read leaves a mark in the store, writes its own
process's entries, and waits two flush periods for the others'.
"""

from __future__ import annotations

import time
from typing import Any

from mockserver.scaleout.batching import FLUSH_EVERY, Batcher
from mockserver.storage.outage import Outage
from mockserver.validation.request_journal import (
    DEFAULT_LIMIT,
    NAME,
    Journal,
    JournalStore,
    Seen,
    now_text,
)

WANTED = ("journal", "wanted")  # when the journal was last read: write your entries


class SharedJournal(Journal):
    def __init__(
        self, store: JournalStore, limit: int = DEFAULT_LIMIT, outage: Outage | None = None
    ) -> None:
        super().__init__(store, limit)
        self._batch: Batcher[Seen] = Batcher(
            self._write, keep=limit, when=self._wanted, outage=outage
        )
        self._written_at = ""

    def _add(self, seen: Seen) -> None:
        self._batch.add(seen)

    def entries(self) -> list[dict[str, Any]]:
        self.store.put(*WANTED, {"time": now_text()})
        self._batch.flush()
        time.sleep(2 * FLUSH_EVERY)  # the other processes see the mark and write theirs
        return super().entries()

    def clear(self) -> None:
        self._batch.discard()
        super().clear()

    def _write(self, seen: list[Seen]) -> None:
        self.store.append_entries(NAME, [one.entry() for one in seen], self.limit)

    def _wanted(self) -> bool:
        """Has a read asked for the entries since this process last wrote them?"""
        wanted = (self.store.get(*WANTED) or {}).get("time", "")
        if wanted <= self._written_at:
            return False
        self._written_at = now_text()
        return True
