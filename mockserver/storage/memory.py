"""The store of one process: plain dicts behind a lock."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from collections.abc import Sequence

from mockserver.directory.model import PresenceSettings
from mockserver.storage.base import Image, Record, Step, Transaction, Window


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._overrides: dict[int, PresenceSettings] = {}
        self._records: dict[tuple[str, str], Record] = {}
        self._expires: dict[tuple[str, str], float] = {}  # emulator time, per expiring record
        self._lists: dict[str, deque[Record]] = {}
        # The event log (a list and a condition), published states, collections, leases.
        self._events: deque[Record] = deque()
        self._position = 0
        self._new_event = threading.Condition(self._lock)
        self._heads: dict[int, tuple[int, str]] = {}  # extension ID -> (sequence, state)
        self._collections: dict[str, dict[str, Record]] = {}
        self._leases: dict[str, Record] = {}

    def overrides(self, extension_ids: Sequence[int]) -> dict[int, PresenceSettings]:
        found = self._overrides
        return {i: PresenceSettings(**found[i]) for i in extension_ids if i in found}

    def merge_overrides(self, extension_id: int, changes: PresenceSettings) -> PresenceSettings:
        with self._lock:
            merged: PresenceSettings = {**self._overrides.get(extension_id, {}), **changes}
            self._overrides[extension_id] = merged
            return PresenceSettings(**merged)

    def put(self, namespace: str, key: str, record: Record, expires: float | None = None) -> None:
        with self._lock:
            self._records[namespace, key] = copy.deepcopy(record)
            if expires is None:
                self._expires.pop((namespace, key), None)
            else:
                self._expires[namespace, key] = expires

    def purge(self, now: float) -> int:
        with self._lock:
            gone = [name for name, expires in self._expires.items() if expires <= now]
            for name in gone:
                del self._expires[name]
                self._records.pop(name, None)
            return len(gone)

    def get(self, namespace: str, key: str) -> Record | None:
        found = self._records.get((namespace, key))
        return copy.deepcopy(found) if found is not None else None

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Record | None]:
        return [self.get(namespace, key) for namespace, key in keys]

    def take(self, namespace: str, key: str) -> Record | None:
        with self._lock:
            self._expires.pop((namespace, key), None)
            return self._records.pop((namespace, key), None)

    def increment(self, namespace: str, key: str, now: float, window: float) -> Window:
        with self._lock:
            found = self._records.get((namespace, key))
            if found is None or found["start"] + window <= now:
                found = {"start": now, "count": 0}
                self._records[namespace, key] = found
                self._expires[namespace, key] = now + window
            found["count"] += 1
            return Window(found["count"], found["start"])

    def reset(self) -> None:
        with self._lock:
            self._overrides.clear()

    def append_entries(self, name: str, entries: Sequence[Record], keep: int) -> None:
        with self._lock:
            # Kept as given (the journal never changes an entry again); reads get copies.
            self._lists.setdefault(name, deque(maxlen=keep)).extend(entries)

    def entries(self, name: str) -> list[Record]:
        with self._lock:
            return copy.deepcopy(list(self._lists.get(name, ())))

    def clear_entries(self, name: str) -> None:
        with self._lock:
            self._lists.pop(name, None)

    # -- live telephony -------------------------------------------------------------------------
    def transact(
        self, namespace: str, key: str, extension_ids: Sequence[int], step: Step
    ) -> Transaction:
        with self._lock:
            record = copy.deepcopy(self._records.get((namespace, key)))
            found = {
                i: copy.deepcopy(dict(self._overrides[i]))
                for i in extension_ids
                if i in self._overrides
            }
            done = step(record, found)
            if done.record is not None:
                self._records[namespace, key] = copy.deepcopy(done.record)
                self._expires.pop((namespace, key), None)
            for extension_id, fields in done.overrides.items():
                if not fields:
                    continue
                merged = {**self._overrides.get(extension_id, {}), **copy.deepcopy(fields)}
                self._overrides[extension_id] = PresenceSettings(**merged)  # type: ignore[typeddict-item]
            return done

    # -- events ---------------------------------------------------------------------------------
    def publish_event(
        self, extension_id: int, state: str, baseline: str, entry: Record, keep: int
    ) -> Record | None:
        with self._lock:
            sequence, previous = self._heads.get(extension_id, (0, baseline))
            if previous == state:
                return None
            self._position += 1
            self._heads[extension_id] = (sequence + 1, state)
            body = {**json.loads(state), "sequence": sequence + 1}
            logged = {
                **entry,
                "position": self._position,
                "sequence": sequence + 1,
                "body": body,
                "previous": json.loads(previous),
            }
            self._events.append(logged)
            while len(self._events) > keep:
                self._events.popleft()
            self._new_event.notify_all()
            return copy.deepcopy(logged)

    def events_after(self, position: int, limit: int, wait: float = 0.0) -> list[Record]:
        deadline = time.monotonic() + wait
        with self._lock:
            while self._position <= position and (left := deadline - time.monotonic()) > 0:
                self._new_event.wait(left)
            found = [e for e in self._events if e["position"] > position][:limit]
            return copy.deepcopy(found)

    def last_event_position(self) -> int:
        return self._position

    def published_extensions(self) -> list[int]:
        with self._lock:
            return list(self._heads)

    def put_member(self, name: str, key: str, record: Record) -> None:
        with self._lock:
            self._collections.setdefault(name, {})[key] = copy.deepcopy(record)

    def member(self, name: str, key: str) -> Record | None:
        with self._lock:
            found = self._collections.get(name, {}).get(key)
            return copy.deepcopy(found) if found is not None else None

    def members(self, name: str) -> dict[str, Record]:
        with self._lock:
            return copy.deepcopy(self._collections.get(name, {}))

    def drop_member(self, name: str, key: str) -> bool:
        with self._lock:
            return self._collections.get(name, {}).pop(key, None) is not None

    def clear_members(self, name: str) -> None:
        with self._lock:
            self._collections.pop(name, None)

    def lease(self, name: str, owner: str, now: float, ttl: float) -> Record | None:
        with self._lock:
            found = self._leases.get(name)
            if found is not None and found["owner"] != owner and found["until"] > now:
                return None
            state = found["state"] if found is not None else {}
            self._leases[name] = {"owner": owner, "until": now + ttl, "state": state}
            return copy.deepcopy(state)

    def update_lease(self, name: str, owner: str, state: Record) -> bool:
        with self._lock:
            found = self._leases.get(name)
            if found is None or found["owner"] != owner:
                return False
            found["state"] = copy.deepcopy(state)
            return True

    def drop_lease(self, name: str) -> None:
        with self._lock:
            self._leases.pop(name, None)

    # -- snapshots ------------------------------------------------------------------------------
    def image(self, records: Sequence[tuple[str, str]], collection: str) -> Image:
        with self._lock:
            return copy.deepcopy(
                Image(
                    overrides={i: dict(found) for i, found in self._overrides.items()},
                    records={k: self._records[k] for k in records if k in self._records},
                    members=dict(self._collections.get(collection, {})),
                    heads=dict(self._heads),
                    position=self._position,
                )
            )

    def restore(
        self,
        image: Image,
        records: Sequence[tuple[str, str]],
        collection: str,
        leases: Sequence[str],
    ) -> None:
        kept = copy.deepcopy(image)
        with self._lock:
            self._overrides = {
                i: PresenceSettings(**found)  # type: ignore[typeddict-item]
                for i, found in kept.overrides.items()
            }
            for key in records:
                self._records.pop(key, None)
                self._expires.pop(key, None)
                if key in kept.records:
                    self._records[key] = kept.records[key]
            self._collections[collection] = dict(kept.members)
            for name in leases:
                self._leases.pop(name, None)
            self._heads = dict(kept.heads)
            self._events.clear()
            self._position = max(self._position, kept.position)
