"""A per-process read cache over the SQLite store, kept exact by a change counter all share.

Why: with several worker processes on one SQLite file, the two SQLite reads of an API request
(token, session and clock; then the extension's overrides) would cost more than the rest of the
request together; each statement takes file locks and hands the interpreter lock to another
thread and back (docs/decisions.md, "SQLite read cache"). Yet most requests read what no one
has changed since the last request.

How it stays exact: every write through any process (a PUT, a login, a rate-limit count, a
reset...) bumps an 8-byte counter in a small file beside the database, mapped into memory by
every process that opens the store. A read first loads the counter (a memory load: no system
call, no lock) and uses this process's cached answers only while it has not moved. Writers bump
after their change is committed and readers load the counter before they read, so a cached
answer is never older than the counter value it is filed under. The file is per host, like the
SQLite file itself; Redis, shared across hosts, is never wrapped.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import TypeVar

from mockserver.directory.model import PresenceSettings
from mockserver.scaleout.forking import in_forked_children
from mockserver.storage import Image, Record, Store, Window
from mockserver.storage.base import Step, Transaction

COUNTER_SUFFIX = "-changes"
# Bounds on what one counter value may gather (reads of many keys with no write between).
MAX_RECORDS, MAX_OVERRIDES = 10_000, 10_000
# Overrides are cached for a single read or a batch (at most 30 IDs); a page goes to the store.
# Caching every ID of a 100,000-extension account would hold ~10 MB per worker, and the
# references would un-share the directory's pages the workers share with the master.
CACHED_OVERRIDE_READ = 30

Result = TypeVar("Result")


class ChangeCounter:
    """A counter in a memory-mapped file: read by a memory load, bumped under a file lock."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size < 8:
            os.ftruncate(self._fd, 8)
        self._map = mmap.mmap(self._fd, 8)  # MAP_SHARED: every process sees every bump
        # lockf excludes other processes only; threads of this one take this lock first.
        self._threads = threading.Lock()
        weakref.finalize(self, os.close, self._fd)
        in_forked_children(self, _forked)

    def read(self) -> int:
        return int.from_bytes(self._map[:8], "little")

    def bump(self) -> None:
        with self._threads:
            fcntl.lockf(self._fd, fcntl.LOCK_EX)
            try:
                self._map[:8] = (self.read() + 1).to_bytes(8, "little")
            finally:
                fcntl.lockf(self._fd, fcntl.LOCK_UN)


def _forked(counter: ChangeCounter) -> None:
    counter._threads = threading.Lock()  # one held by another thread at fork stays held


class _Generation:
    """What this process has read while the counter stood at `version`."""

    __slots__ = ("overrides", "records", "version")

    def __init__(self, version: int) -> None:
        self.version = version
        self.records: dict[tuple[str, str], Record | None] = {}
        self.overrides: dict[int, PresenceSettings | None] = {}


class CachedStore:
    """Store reads from this process's memory while no process has written; writes go through."""

    def __init__(self, inner: Store, counter: ChangeCounter) -> None:
        self.inner = inner
        self.counter = counter
        self._generation = _Generation(-1)

    def _current(self) -> _Generation:
        # Load the counter before reading anything, so what is read is at least that new.
        version = self.counter.read()
        generation = self._generation
        full = len(generation.records) > MAX_RECORDS or len(generation.overrides) > MAX_OVERRIDES
        if generation.version != version or full:
            generation = self._generation = _Generation(version)
        return generation

    # -- reads ----------------------------------------------------------------------------------
    def get(self, namespace: str, key: str) -> Record | None:
        return self.get_many([(namespace, key)])[0]

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Record | None]:
        cached = self._current().records
        missing = [key for key in keys if key not in cached]
        if missing:
            cached.update(zip(missing, self.inner.get_many(missing), strict=True))
        # Copies: a caller may change what it gets, and the cache is shared by its threads.
        return [_copy(cached[key]) for key in keys]

    def overrides(self, extension_ids: Sequence[int]) -> dict[int, PresenceSettings]:
        if len(extension_ids) > CACHED_OVERRIDE_READ:
            return self.inner.overrides(extension_ids)
        cached = self._current().overrides
        missing = [i for i in extension_ids if i not in cached]
        if missing:
            found = self.inner.overrides(missing)
            cached.update((i, found.get(i)) for i in missing)
        return {i: PresenceSettings(**settings) for i in extension_ids if (settings := cached[i])}

    # -- writes: through to the store, then the counter moves -------------------------------------
    def _written(self, write: Callable[[], Result]) -> Result:
        """Run a write on the store; then move the counter, even if it failed part way."""
        try:
            return write()
        finally:
            self.counter.bump()

    def merge_overrides(self, extension_id: int, changes: PresenceSettings) -> PresenceSettings:
        return self._written(lambda: self.inner.merge_overrides(extension_id, changes))

    def put(self, namespace: str, key: str, record: Record, expires: float | None = None) -> None:
        self._written(lambda: self.inner.put(namespace, key, record, expires))

    def purge(self, now: float) -> int:
        # What is purged has expired: a cached copy of it answers as expired until the next
        # write moves the counter, so nothing changes for a reader; no bump needed.
        return self.inner.purge(now)

    def take(self, namespace: str, key: str) -> Record | None:
        return self._written(lambda: self.inner.take(namespace, key))

    def increment(self, namespace: str, key: str, now: float, window: float) -> Window:
        return self._written(lambda: self.inner.increment(namespace, key, now, window))

    def reset(self) -> None:
        self._written(self.inner.reset)

    # -- lists: not cached (only read by /_mock/requests), so writing them moves no counter ------
    def append_entries(self, name: str, entries: Sequence[Record], keep: int) -> None:
        self.inner.append_entries(name, entries, keep)

    def entries(self, name: str) -> list[Record]:
        return self.inner.entries(name)

    def clear_entries(self, name: str) -> None:
        self.inner.clear_entries(name)

    # -- live telephony: a write like any other ---------------------------------------
    def transact(
        self, namespace: str, key: str, extension_ids: Sequence[int], step: Step
    ) -> Transaction:
        return self._written(lambda: self.inner.transact(namespace, key, extension_ids, step))

    # -- events: never cached, and no counter moves: none of it is read through the
    # cache (the log, published states, subscriptions and leases have reads of their own) ------
    def publish_event(
        self, extension_id: int, state: str, baseline: str, entry: Record, keep: int
    ) -> Record | None:
        return self.inner.publish_event(extension_id, state, baseline, entry, keep)

    def events_after(self, position: int, limit: int, wait: float = 0.0) -> list[Record]:
        return self.inner.events_after(position, limit, wait)

    def last_event_position(self) -> int:
        return self.inner.last_event_position()

    def published_extensions(self) -> list[int]:
        return self.inner.published_extensions()

    def put_member(self, name: str, key: str, record: Record) -> None:
        self.inner.put_member(name, key, record)

    def member(self, name: str, key: str) -> Record | None:
        return self.inner.member(name, key)

    def members(self, name: str) -> dict[str, Record]:
        return self.inner.members(name)

    def drop_member(self, name: str, key: str) -> bool:
        return self.inner.drop_member(name, key)

    def clear_members(self, name: str) -> None:
        self.inner.clear_members(name)

    def lease(self, name: str, owner: str, now: float, ttl: float) -> Record | None:
        return self.inner.lease(name, owner, now, ttl)

    def update_lease(self, name: str, owner: str, state: Record) -> bool:
        return self.inner.update_lease(name, owner, state)

    def drop_lease(self, name: str) -> None:
        self.inner.drop_lease(name)

    # -- snapshots: an image is read from the store; a restore is a write like any other -------
    def image(self, records: Sequence[tuple[str, str]], collection: str) -> Image:
        return self.inner.image(records, collection)

    def restore(
        self,
        image: Image,
        records: Sequence[tuple[str, str]],
        collection: str,
        leases: Sequence[str],
    ) -> None:
        self._written(lambda: self.inner.restore(image, records, collection, leases))


def _copy(record: Record | None) -> Record | None:
    return dict(record) if record is not None else None
