"""A store in Redis, shared by replicas on several hosts.

Keys (all under one prefix, so reset can find them and other data in the database is untouched):
  * `<prefix>ov:<extension id>`: a hash of field -> JSON value; HSET merges fields atomically;
  * `<prefix>rec:<namespace>:<key>`: a record as a JSON string; GETDEL takes it exactly once.
The client is imported and connected lazily, per process: redis-py's pool is not to be used
across fork, and the `redis` package is an optional extra.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Sequence
from typing import Any, cast

from mockserver.directory.model import PresenceSettings
from mockserver.storage.base import Image, Record, Step, Transaction, Window

PREFIX = "presence-mock:"
# Short socket timeouts: a Redis that is down or unreachable is known within a second (the
# requests then answer 503: storage/outage.py), not after redis-py's default 5 s. A read may
# take as long as the longest blocking read (XREAD of the event log waits up to 1 s) and more.
CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 2.5


class RedisStore:
    def __init__(self, url: str, prefix: str = PREFIX) -> None:
        self.url = url
        self.prefix = prefix
        self._lock = threading.Lock()
        self._client: Any = None
        self._pid: int | None = None
        # Fail at start-up, with the URL, when the server cannot be reached.
        self._redis().ping()

    def _redis(self) -> Any:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    try:
                        import redis
                    except ImportError as missing:
                        raise RuntimeError(
                            "a redis:// store needs the redis package: pip install 'redis>=5' "
                            "(from a clone: pip install -e '.[redis]')"
                        ) from missing
                    self._client = redis.Redis.from_url(
                        self.url,
                        decode_responses=True,
                        socket_connect_timeout=CONNECT_TIMEOUT,
                        socket_timeout=READ_TIMEOUT,
                    )
                    self._pid = os.getpid()
        return self._client

    def _override_key(self, extension_id: int) -> str:
        return f"{self.prefix}ov:{extension_id}"

    def _record_key(self, namespace: str, key: str) -> str:
        return f"{self.prefix}rec:{namespace}:{key}"

    def overrides(self, extension_ids: Sequence[int]) -> dict[int, PresenceSettings]:
        ids = list(extension_ids)
        if not ids:
            return {}
        pipe = self._redis().pipeline(transaction=False)
        for extension_id in ids:
            pipe.hgetall(self._override_key(extension_id))
        found: dict[int, PresenceSettings] = {}
        for extension_id, fields in zip(ids, pipe.execute(), strict=True):
            if fields:
                found[extension_id] = _decode(fields)
        return found

    def merge_overrides(self, extension_id: int, changes: PresenceSettings) -> PresenceSettings:
        key = self._override_key(extension_id)
        pipe = self._redis().pipeline(transaction=True)  # MULTI/EXEC: the read sees our write
        if changes:
            pipe.hset(key, mapping={k: json.dumps(v) for k, v in changes.items()})
        pipe.hgetall(key)
        return _decode(pipe.execute()[-1])

    def put(self, namespace: str, key: str, record: Record, expires: float | None = None) -> None:
        self._redis().set(
            self._record_key(namespace, key), json.dumps(record), ex=_seconds_until(expires)
        )

    def purge(self, now: float) -> int:
        return 0  # every expiring key carries its own expiry (SET EX)

    def get(self, namespace: str, key: str) -> Record | None:
        raw = self._redis().get(self._record_key(namespace, key))
        return json.loads(raw) if raw is not None else None

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Record | None]:
        if not keys:
            return []
        raws = self._redis().mget([self._record_key(namespace, key) for namespace, key in keys])
        return [json.loads(raw) if raw is not None else None for raw in raws]

    def increment(self, namespace: str, key: str, now: float, window: float) -> Window:
        """One Lua script, so atomic for every replica."""
        count, start = self._redis().eval(
            _INCREMENT, 1, self._record_key(namespace, key), repr(now), window, repr(time.time())
        )
        return Window(int(count), float(start))

    def take(self, namespace: str, key: str) -> Record | None:
        raw = self._redis().getdel(self._record_key(namespace, key))
        return json.loads(raw) if raw is not None else None

    def reset(self) -> None:
        client = self._redis()
        batch: list[str] = []
        for key in client.scan_iter(match=f"{self.prefix}ov:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)

    def _list_key(self, name: str) -> str:
        return f"{self.prefix}list:{name}"

    def append_entries(self, name: str, entries: Sequence[Record], keep: int) -> None:
        if not entries:
            return
        pipe = self._redis().pipeline(transaction=True)
        pipe.rpush(self._list_key(name), *(json.dumps(entry) for entry in entries))
        pipe.ltrim(self._list_key(name), -keep, -1)
        pipe.execute()

    def entries(self, name: str) -> list[Record]:
        return [json.loads(raw) for raw in self._redis().lrange(self._list_key(name), 0, -1)]

    def clear_entries(self, name: str) -> None:
        self._redis().delete(self._list_key(name))

    # -- live telephony -------------------------------------------------------------------------
    def transact(
        self, namespace: str, key: str, extension_ids: Sequence[int], step: Step
    ) -> Transaction:
        """redis-py's `transaction`: WATCH the keys, read, MULTI/EXEC the writes; a client that
        wrote a watched key in between makes EXEC fail and the step run again on fresh data."""
        record_key = self._record_key(namespace, key)
        ids = list(extension_ids)
        override_keys = [self._override_key(i) for i in ids]

        def attempt(pipe: Any) -> Transaction:
            raw = pipe.get(record_key)
            found = {}
            for extension_id, override_key in zip(ids, override_keys, strict=True):
                fields = pipe.hgetall(override_key)
                if fields:
                    found[extension_id] = {k: json.loads(v) for k, v in fields.items()}
            done = step(json.loads(raw) if raw is not None else None, found)
            pipe.multi()
            if done.record is not None:
                pipe.set(record_key, json.dumps(done.record))
            for extension_id, fields in done.overrides.items():
                if fields:
                    mapping = {k: json.dumps(v) for k, v in fields.items()}
                    pipe.hset(self._override_key(extension_id), mapping=mapping)
            return done

        done: Transaction = self._redis().transaction(
            attempt, record_key, *override_keys, value_from_callable=True
        )
        return done

    # -- events: a stream for the log, Lua for the compare-and-append ----------------
    def _events_key(self) -> str:
        return f"{self.prefix}events"

    def publish_event(
        self, extension_id: int, state: str, baseline: str, entry: Record, keep: int
    ) -> Record | None:
        """One Lua script: compare, bump the sequence, INCR the position and XADD with the ID
        `0-<position>`, atomically for every replica (the stream's IDs then are the positions)."""
        keys = [f"{self.prefix}head:{extension_id}", f"{self.prefix}position", self._events_key()]
        found = self._redis().eval(_PUBLISH, 3, *keys, state, baseline, json.dumps(entry), keep)
        if found is None:
            return None
        return cast(Record, json.loads(found))

    def events_after(self, position: int, limit: int, wait: float = 0.0) -> list[Record]:
        client = self._redis()
        found = client.xrange(self._events_key(), f"({_stream_id(position)}", "+", count=limit)
        if not found and wait > 0:
            streams = {self._events_key(): _stream_id(position)}
            read = client.xread(streams, count=limit, block=max(1, int(wait * 1000)))
            found = read[0][1] if read else []
        return [json.loads(fields["entry"]) for _, fields in found]

    def last_event_position(self) -> int:
        raw = self._redis().get(f"{self.prefix}position")
        return int(raw) if raw is not None else 0

    def published_extensions(self) -> list[int]:
        start = len(f"{self.prefix}head:")
        keys = self._redis().scan_iter(match=f"{self.prefix}head:*", count=1000)
        return [int(key[start:]) for key in keys]

    def _collection_key(self, name: str) -> str:
        return f"{self.prefix}col:{name}"

    def put_member(self, name: str, key: str, record: Record) -> None:
        self._redis().hset(self._collection_key(name), key, json.dumps(record))

    def member(self, name: str, key: str) -> Record | None:
        raw = self._redis().hget(self._collection_key(name), key)
        return json.loads(raw) if raw is not None else None

    def members(self, name: str) -> dict[str, Record]:
        found = self._redis().hgetall(self._collection_key(name))
        return {key: json.loads(raw) for key, raw in sorted(found.items())}

    def drop_member(self, name: str, key: str) -> bool:
        return bool(self._redis().hdel(self._collection_key(name), key))

    def clear_members(self, name: str) -> None:
        self._redis().delete(self._collection_key(name))

    def _lease_key(self, name: str) -> str:
        return f"{self.prefix}lease:{name}"

    def lease(self, name: str, owner: str, now: float, ttl: float) -> Record | None:
        found = self._redis().eval(_LEASE, 1, self._lease_key(name), owner, repr(now), repr(ttl))
        return cast(Record, json.loads(found)) if found is not None else None

    def update_lease(self, name: str, owner: str, state: Record) -> bool:
        done = self._redis().eval(_UPDATE_LEASE, 1, self._lease_key(name), owner, json.dumps(state))
        return bool(done)

    def drop_lease(self, name: str) -> None:
        self._redis().delete(self._lease_key(name))

    # -- snapshots: MULTI/EXEC ------------------------------------------------------------------
    def _keys(self, kind: str) -> list[str]:
        return sorted(self._redis().scan_iter(match=f"{self.prefix}{kind}:*", count=1000))

    def image(self, records: Sequence[tuple[str, str]], collection: str) -> Image:
        override_keys, head_keys = self._keys("ov"), self._keys("head")
        pipe = self._redis().pipeline(transaction=True)  # the reads, as one view
        for key in override_keys:
            pipe.hgetall(key)
        for namespace, key in records:
            pipe.get(self._record_key(namespace, key))
        pipe.hgetall(self._collection_key(collection))
        for key in head_keys:
            pipe.hgetall(key)
        pipe.get(f"{self.prefix}position")
        answers = iter(pipe.execute())
        overrides: dict[int, dict[str, Any]] = {}
        for key in override_keys:
            fields = next(answers)
            if fields:
                overrides[int(key.rpartition(":")[2])] = dict(_decode(fields))
        found: dict[tuple[str, str], Record] = {}
        for name in records:
            raw = next(answers)
            if raw is not None:
                found[name] = json.loads(raw)
        members = {key: json.loads(raw) for key, raw in sorted(next(answers).items())}
        heads: dict[int, tuple[int, str]] = {}
        for key in head_keys:
            head = next(answers)
            if head and "state" in head:
                heads[int(key.rpartition(":")[2])] = (int(head.get("sequence", 0)), head["state"])
        raw_position = next(answers)
        position = int(raw_position) if raw_position is not None else 0
        return Image(overrides, found, members, heads, position)

    def restore(
        self,
        image: Image,
        records: Sequence[tuple[str, str]],
        collection: str,
        leases: Sequence[str],
    ) -> None:
        """WATCH the position, then one MULTI/EXEC (run again if an event was published in
        between): the old keys deleted, the image's written. The old overrides and published
        states are found by a SCAN first: one another client writes for a new extension in that
        moment survives the restore (the restore itself is still whole)."""
        position_key = f"{self.prefix}position"
        stale = [*self._keys("ov"), *self._keys("head")]

        def attempt(pipe: Any) -> None:
            raw = pipe.get(position_key)
            position = max(int(raw) if raw is not None else 0, image.position)
            pipe.multi()
            gone = [
                *stale,
                *(self._record_key(namespace, key) for namespace, key in records),
                self._collection_key(collection),
                *(self._lease_key(name) for name in leases),
                self._events_key(),
            ]
            pipe.delete(*gone)
            for extension_id, fields in image.overrides.items():
                if fields:
                    mapping = {k: json.dumps(v) for k, v in fields.items()}
                    pipe.hset(self._override_key(extension_id), mapping=mapping)
            for (namespace, key), record in image.records.items():
                if (namespace, key) in records:
                    pipe.set(self._record_key(namespace, key), json.dumps(record))
            if image.members:
                members = {key: json.dumps(record) for key, record in image.members.items()}
                pipe.hset(self._collection_key(collection), mapping=members)
            for extension_id, (sequence, state) in image.heads.items():
                head = {"sequence": sequence, "state": state}
                pipe.hset(f"{self.prefix}head:{extension_id}", mapping=head)
            pipe.set(position_key, position)

        self._redis().transaction(attempt, position_key)


def _stream_id(position: int) -> str:
    return f"0-{position}"


# KEYS: head hash, position counter, stream; ARGV: state, baseline, entry (JSON object), keep.
# The logged entry is written as text around the JSON given (cjson would turn 14-digit IDs into
# floats), so what XADD stores is exactly what the other stores log.
_PUBLISH = """
local previous = redis.call('HGET', KEYS[1], 'state') or ARGV[2]
if previous == ARGV[1] then return false end
local sequence = redis.call('HINCRBY', KEYS[1], 'sequence', 1)
redis.call('HSET', KEYS[1], 'state', ARGV[1])
local position = redis.call('INCR', KEYS[2])
local body = string.sub(ARGV[1], 1, -2)
if body ~= '{' then body = body .. ',' end
body = body .. '"sequence":' .. sequence .. '}'
local entry = string.sub(ARGV[3], 1, -2)
if entry ~= '{' then entry = entry .. ',' end
entry = entry .. '"position":' .. position .. ',"sequence":' .. sequence
entry = entry .. ',"body":' .. body .. ',"previous":' .. previous .. '}'
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '0-' .. position, 'entry', entry)
return entry
"""

# KEYS: the lease hash; ARGV: owner, now, ttl. Returns the state text, or nil when held.
_LEASE = """
local owner = redis.call('HGET', KEYS[1], 'owner')
local untilAt = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if owner and owner ~= ARGV[1] and untilAt > tonumber(ARGV[2]) then return false end
local until_text = string.format('%.17g', tonumber(ARGV[2]) + tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'until', until_text)
return redis.call('HGET', KEYS[1], 'state') or '{}'
"""

_UPDATE_LEASE = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
return 1
"""


# The same window rule as MemoryStore.increment, run inside Redis. The record stays JSON, so
# `get` reads it like any other; %.17g keeps the start time exact.
_INCREMENT = """
local now, window, wall = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local start, count = now, 0
local raw = redis.call('GET', KEYS[1])
if raw then
  local found = cjson.decode(raw)
  if found.start + window > now then start, count = found.start, found.count end
end
count = count + 1
local kept = string.format('%.17g', start)
-- The key lives until the window ends (the emulator's clock is never behind the wall clock).
local ttl = math.max(1, math.ceil(start + window - wall))
redis.call('SET', KEYS[1], string.format('{"start": %s, "count": %d}', kept, count), 'EX', ttl)
-- A Lua number would reach the client as an integer: the start goes back as text.
return {count, kept}
"""


def _seconds_until(expires: float | None) -> int | None:
    """Redis's EX for a record needed until `expires` (emulator time). The emulator's clock is
    never behind the wall clock, so counting from the wall clock keeps the key at least as
    long as it is needed."""
    if expires is None:
        return None
    return max(1, math.ceil(expires - time.time()))


def _decode(fields: dict[str, str]) -> PresenceSettings:
    return cast(PresenceSettings, {k: json.loads(v) for k, v in fields.items()})
