"""One suite for every store backend: memory, SQLite (a temp file) and a real Redis."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mockserver.scaleout import shared_store
from mockserver.storage import Store, StoreURLError, store_from_url
from mockserver.storage.redis import RedisStore
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name


def test_overrides_merge_field_by_field(store: Store) -> None:
    assert store.overrides([1, 2]) == {}
    assert store.merge_overrides(1, {"userStatus": "Busy"}) == {"userStatus": "Busy"}
    merged = store.merge_overrides(1, {"dndStatus": "DoNotAcceptAnyCalls", "userStatus": "Away"})
    assert merged == {"userStatus": "Away", "dndStatus": "DoNotAcceptAnyCalls"}
    store.merge_overrides(2, {"allowSeeMyPresence": False, "message": ""})
    assert store.overrides([1, 2, 3]) == {
        1: {"userStatus": "Away", "dndStatus": "DoNotAcceptAnyCalls"},
        2: {"allowSeeMyPresence": False, "message": ""},
    }


def test_records_round_trip_and_take_is_once(store: Store) -> None:
    record = {"extensionId": 7, "scopes": ["ReadPresence"], "expiresAt": 1.5}
    store.put("refresh", "abc", record)
    assert store.get("refresh", "abc") == record
    assert store.get("access", "abc") is None
    assert store.take("refresh", "abc") == record
    assert store.take("refresh", "abc") is None
    assert store.get("refresh", "abc") is None


def test_get_many_answers_in_the_order_asked_with_none_for_missing(store: Store) -> None:
    store.put("access", "t1", {"sessionId": "s1"})
    store.put("clock", "offset", {"seconds": 30.0})
    asked = [("session", "s1"), ("access", "t1"), ("clock", "offset"), ("access", "t2")]
    assert store.get_many(asked) == [None, {"sessionId": "s1"}, {"seconds": 30.0}, None]
    assert store.get_many([]) == []


def test_take_is_once_under_contention(store: Store) -> None:
    store.put("code", "k", {"n": 1})
    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda _: store.take("code", "k"), range(32)))
    assert [t for t in taken if t is not None] == [{"n": 1}]


def test_reset_clears_overrides_but_keeps_records(store: Store) -> None:
    store.merge_overrides(5, {"userStatus": "Busy"})
    store.put("session", "s1", {"extensionId": 5})
    store.reset()
    assert store.overrides([5]) == {}
    assert store.get("session", "s1") == {"extensionId": 5}
    assert store.merge_overrides(5, {"message": "back"}) == {"message": "back"}


FIELDS = ["userStatus", "dndStatus", "message", "callerIdVisibility", "dndStatusPersonal"]


def _hammer(store: Store, worker: int, rounds: int) -> None:
    """Merge `rounds` changes: each one sets a field of its own on a shared extension, and
    rewrites a shared field, so a lost update shows up as a missing field."""
    for n in range(rounds):
        store.merge_overrides(1000 + n % 10, {f"{FIELDS[worker % 5]}": f"w{worker}-{n}"})
        store.merge_overrides(2000 + worker * rounds + n, {"message": f"w{worker}-{n}"})


def _check_nothing_lost(store: Store, workers: int, rounds: int) -> None:
    own = range(2000, 2000 + workers * rounds)
    found = store.overrides(list(own))
    assert len(found) == workers * rounds
    for worker in range(workers):
        for n in range(rounds):
            assert found[2000 + worker * rounds + n] == {"message": f"w{worker}-{n}"}
    shared = store.overrides(list(range(1000, 1010)))
    # Every extension was written by every worker, each through a field of its own.
    expected_fields = {FIELDS[w % 5] for w in range(workers)}
    assert {i: set(v) for i, v in shared.items()} == {i: expected_fields for i in range(1000, 1010)}


def test_concurrent_merges_from_threads_lose_nothing(store: Store) -> None:
    workers, rounds = 8, 50
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda w: _hammer(store, w, rounds), range(workers)))
    _check_nothing_lost(store, workers, rounds)


def test_concurrent_merges_from_forked_processes_lose_nothing(shared_store_url: str) -> None:
    store = store_from_url(shared_store_url)
    if shared_store_url.startswith("redis://"):
        store._redis().flushdb()  # type: ignore[attr-defined]
    # Use the store in the parent first, so the children inherit an open connection and must
    # open their own (as gunicorn workers do after preload).
    store.put("session", "parent", {"ok": True})
    workers, rounds = 4, 30
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_hammer, args=(store, w, rounds)) for w in range(workers)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    assert [c.exitcode for c in children] == [0] * workers
    _check_nothing_lost(store, workers, rounds)
    assert store.get("session", "parent") == {"ok": True}


@pytest.mark.parametrize(
    "url",
    ["ftp://x", "sqlite://relative.db", "sqlite:///", "redis://", "redis://h:nope/0", "memory:x"],
)
def test_bad_store_urls_are_named_with_the_accepted_forms(url: str) -> None:
    with pytest.raises(StoreURLError) as raised:
        store_from_url(url)
    assert repr(url) in str(raised.value)
    assert "sqlite:///" in str(raised.value) and "redis://host:port/db" in str(raised.value)


def test_unreachable_redis_is_a_clear_error() -> None:
    with pytest.raises(StoreURLError, match=r"cannot open store 'redis://127\.0\.0\.1:1/0'"):
        store_from_url("redis://127.0.0.1:1/0")


def test_sqlite_store_survives_reopening(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'kept.db'}"
    store_from_url(url).merge_overrides(9, {"userStatus": "Busy"})
    assert store_from_url(url).overrides([9]) == {9: {"userStatus": "Busy"}}


def test_increment_counts_within_a_window_and_restarts_after_it(store: Store) -> None:
    counts = [store.increment("rate", "u1:light", 1000.25 + i, 60) for i in range(3)]
    assert counts == [(1, 1000.25), (2, 1000.25), (3, 1000.25)]
    assert store.increment("rate", "u2:light", 1001.0, 60) == (1, 1001.0)
    assert store.increment("rate", "u1:light", 1060.25, 60) == (1, 1060.25)
    assert store.get("rate", "u1:light") == {"start": 1060.25, "count": 1}


def _count_many(url: str, times: int) -> None:
    opened = store_from_url(url)
    for _ in range(times):
        opened.increment("rate", "shared", 5000.0, 60)


def test_increment_loses_no_count_across_processes(shared_store_url: str) -> None:
    opened = store_from_url(shared_store_url)
    if shared_store_url.startswith("redis://"):
        opened._redis().flushdb()  # type: ignore[attr-defined]
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_count_many, args=(shared_store_url, 40)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert opened.get("rate", "shared") == {"start": 5000.0, "count": 160}


def test_the_clock_offset_is_shared_through_the_store(shared_store_url: str) -> None:
    from mockserver.platform.clock import Clock

    first, second = store_from_url(shared_store_url), store_from_url(shared_store_url)
    if shared_store_url.startswith("redis://"):
        first._redis().flushdb()  # type: ignore[attr-defined]
    Clock(first).advance(3600)
    assert Clock(second).offset == 3600


def test_sqlite_get_many_looks_keys_up_instead_of_scanning(tmp_path: Path) -> None:
    from mockserver.storage.sqlite import _get_many_sql

    opened = store_from_url(f"sqlite://{tmp_path / 'plan.db'}")
    plan = opened._connection().execute(  # type: ignore[attr-defined]
        "EXPLAIN QUERY PLAN " + _get_many_sql(3), ["a", "b"] * 3
    )
    steps = [row[-1] for row in plan]
    assert not [step for step in steps if step.startswith("SCAN records")], steps
    assert sum(step.startswith("SEARCH records USING PRIMARY KEY") for step in steps) == 3


def test_sqlite_entries_are_encoded_before_the_write_lock_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of 1,000 journal entries takes milliseconds to encode: not while holding the
    lock a PUT in another process waits for."""
    import json

    from mockserver.storage import sqlite

    opened = store_from_url(f"sqlite://{tmp_path / 'entries.db'}")
    connection = opened._connection()  # type: ignore[attr-defined]
    locked: list[bool] = []
    encode = json.dumps

    def dumps(value: object) -> str:
        locked.append(connection.in_transaction)
        return encode(value)

    monkeypatch.setattr(sqlite.json, "dumps", dumps)
    opened.append_entries("journal", [{"n": n} for n in range(3)], 10)
    assert locked == [False, False, False]
    assert [e["n"] for e in opened.entries("journal")] == [0, 1, 2]


# -- the per-process read cache over SQLite (mockserver/scaleout/cached.py) ----------------------


def opened(url: str) -> Store:
    """The store as `serve` opens it for several processes: behind the scale-out wrapper."""
    return shared_store(store_from_url(url))


WRITES = {
    "put": lambda s: s.put("access", "t1", {"v": 2}),
    "take": lambda s: s.take("access", "t1"),
    "merge_overrides": lambda s: s.merge_overrides(9, {"userStatus": "Busy"}),
    "reset": lambda s: s.reset(),
    "increment": lambda s: s.increment("ratelimit", "k", 1000.0, 60),
}


def _reads(store: Store) -> tuple[object, ...]:
    return (
        store.get("access", "t1"),
        store.get_many([("access", "t1"), ("ratelimit", "k")]),
        store.overrides([9, 10]),
    )


@pytest.mark.parametrize("write", WRITES)
def test_a_write_through_one_opening_is_read_at_once_through_another(
    shared_store_url: str, write: str
) -> None:
    writer, reader = opened(shared_store_url), opened(shared_store_url)
    if shared_store_url.startswith("redis://"):
        writer._redis().flushdb()  # type: ignore[attr-defined]
    writer.put("access", "t1", {"v": 1})
    writer.merge_overrides(10, {"dndStatus": "DoNotAcceptAnyCalls"})
    before = _reads(reader)
    _reads(reader)  # a second read, served from the reader's cache where it has one
    WRITES[write](writer)
    assert _reads(reader) == _reads(opened(shared_store_url)) != before


def _statements(store: Store) -> list[str]:
    seen: list[str] = []
    store.inner._connection().set_trace_callback(seen.append)  # type: ignore[attr-defined]
    return seen


def test_sqlite_reads_are_served_from_memory_until_any_process_writes(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'cached.db'}"
    reader, writer = opened(url), opened(url)
    writer.put("access", "t1", {"v": 1})
    seen = _statements(reader)
    _reads(reader)
    assert len(seen) == 3  # the first reads reach SQLite
    _reads(reader)
    _reads(reader)
    assert len(seen) == 3  # the next ones do not
    context = multiprocessing.get_context("fork")
    child = context.Process(target=WRITES["put"], args=(opened(url),))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0
    assert reader.get("access", "t1") == {"v": 2}  # another process wrote: read again
    assert len(seen) == 4


def test_a_cached_record_changed_by_its_reader_is_not_changed_in_the_cache(tmp_path: Path) -> None:
    cached = opened(f"sqlite://{tmp_path / 'copy.db'}")
    cached.put("access", "t1", {"v": 1})
    first = cached.get("access", "t1")
    assert first is not None
    first["v"] = 99
    assert cached.get("access", "t1") == {"v": 1}


def test_a_page_of_overrides_is_not_cached(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'pages.db'}"
    reader = opened(url)
    seen = _statements(reader)
    page = list(range(1000, 1100))
    reader.overrides(page)
    reader.overrides(page)
    assert len(seen) == 2  # a page reads the store each time: caching it would grow per worker
    reader.overrides(page[:30])
    reader.overrides(page[:30])
    assert len(seen) == 3  # a batch of 30 is cached


def test_lists_append_in_order_keep_the_last_and_clear(store: Store) -> None:
    store.append_entries("journal", [{"n": 1}, {"n": 2}], keep=3)
    store.append_entries("journal", [{"n": 3}, {"n": 4}], keep=3)
    store.append_entries("other", [{"n": 9}], keep=3)
    assert store.entries("journal") == [{"n": 2}, {"n": 3}, {"n": 4}]
    store.reset()  # reset is about presence: lists are cleared on their own
    assert store.entries("other") == [{"n": 9}]
    store.clear_entries("journal")
    assert store.entries("journal") == []
    assert store.entries("other") == [{"n": 9}]


# -- expired records are forgotten (decision STORE-2) -------------------------------------
def test_purge_forgets_expired_records_and_windows_only(store: Store) -> None:
    now = 1_000_000.0
    store.put("access", "old", {"v": 1}, expires=now - 1)
    store.put("access", "young", {"v": 2}, expires=now + 100)
    store.put("clock", "offset", {"seconds": 5})  # no expiry: kept for ever
    store.increment("ratelimit", "ended", now - 120, 60)
    store.increment("ratelimit", "open", now - 10, 60)
    store.purge(now)
    if not isinstance(store, RedisStore):  # Redis: the key expiry (test below)
        assert store.get("access", "old") is None
        assert store.get("ratelimit", "ended") is None
    assert store.get("access", "young") == {"v": 2}
    assert store.get("clock", "offset") == {"seconds": 5}
    assert store.get("ratelimit", "open") == {"start": now - 10, "count": 1}


def test_redis_keys_carry_their_expiry(redis_server: str) -> None:  # noqa: F811 - a fixture
    opened = store_from_url(f"{redis_server}/15")
    opened._redis().flushdb()  # type: ignore[attr-defined]
    opened.put("access", "t", {"v": 1}, expires=time.time() + 100)
    opened.put("clock", "offset", {"seconds": 0})
    opened.increment("ratelimit", "w", time.time(), 60)
    client = opened._redis()  # type: ignore[attr-defined]
    assert 90 <= client.ttl(opened._record_key("access", "t")) <= 100  # type: ignore[attr-defined]
    assert client.ttl(opened._record_key("clock", "offset")) == -1  # type: ignore[attr-defined]
    assert 50 <= client.ttl(opened._record_key("ratelimit", "w")) <= 60  # type: ignore[attr-defined]
