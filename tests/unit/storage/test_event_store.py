"""The store methods of the event log, collections and leases, on every backend."""

from __future__ import annotations

import json
import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mockserver.scaleout import shared_store
from mockserver.storage import Store, store_from_url
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name

BIG_ID = 62_090_706_700_412  # 14 digits: must survive Redis's Lua untouched


def _state(status: str) -> str:
    return json.dumps({"extensionId": str(BIG_ID), "userStatus": status}, sort_keys=True)


def test_a_change_is_logged_once_with_a_growing_sequence(store: Store) -> None:
    baseline = _state("Available")
    assert store.publish_event(BIG_ID, baseline, baseline, {"extensionId": BIG_ID}, 100) is None
    first = store.publish_event(BIG_ID, _state("Busy"), baseline, {"extensionId": BIG_ID}, 100)
    assert first is not None
    assert (first["position"], first["sequence"], first["extensionId"]) == (1, 1, BIG_ID)
    assert first["body"] == {"extensionId": str(BIG_ID), "userStatus": "Busy", "sequence": 1}
    assert first["previous"] == {"extensionId": str(BIG_ID), "userStatus": "Available"}
    assert store.publish_event(BIG_ID, _state("Busy"), baseline, {}, 100) is None
    second = store.publish_event(BIG_ID, _state("Offline"), baseline, {"extensionId": BIG_ID}, 100)
    assert second is not None and (second["position"], second["sequence"]) == (2, 2)
    other = store.publish_event(7, _state("Busy"), baseline, {"extensionId": 7}, 100)
    assert other is not None and (other["position"], other["sequence"]) == (3, 1)
    assert [e["position"] for e in store.events_after(0, 10)] == [1, 2, 3]
    assert [e["position"] for e in store.events_after(1, 1)] == [2]
    assert store.events_after(3, 10) == []
    assert store.last_event_position() == 3
    assert sorted(store.published_extensions()) == sorted([BIG_ID, 7])
    assert store.events_after(0, 10)[0] == first


def test_the_log_keeps_its_last_entries_and_positions_never_go_back(store: Store) -> None:
    for n in range(30):
        store.publish_event(1, _state(f"s{n}"), _state("seed"), {"extensionId": 1}, 5)
    kept = store.events_after(0, 100)
    assert kept[-1]["position"] == 30
    assert 5 <= len(kept) <= 30  # Redis trims approximately (MAXLEN ~)
    assert [e["position"] for e in kept] == list(range(31 - len(kept), 31))


def test_a_reader_waits_for_the_next_entry(store: Store) -> None:
    started = time.monotonic()
    assert store.events_after(0, 10, wait=0.2) == []
    assert time.monotonic() - started >= 0.15
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(store.events_after, 0, 10, 5.0)
        time.sleep(0.1)
        store.publish_event(1, _state("Busy"), _state("seed"), {"extensionId": 1}, 100)
        found = waiting.result(timeout=5)
    assert [e["position"] for e in found] == [1]
    assert time.monotonic() - started < 3


def test_collections(store: Store) -> None:
    store.put_member("subs", "b", {"n": 2})
    store.put_member("subs", "a", {"n": 1})
    assert store.members("subs") == {"a": {"n": 1}, "b": {"n": 2}}
    assert store.member("subs", "a") == {"n": 1}
    assert store.drop_member("subs", "a") is True
    assert store.drop_member("subs", "a") is False
    assert store.member("subs", "a") is None
    store.clear_members("subs")
    assert store.members("subs") == {}


def test_a_lease_is_held_by_one_owner_until_it_expires(store: Store) -> None:
    assert store.lease("d:1", "one", 100.0, 10.0) == {}
    assert store.update_lease("d:1", "one", {"cursor": 5}) is True
    assert store.lease("d:1", "two", 105.0, 10.0) is None
    assert store.update_lease("d:1", "two", {"cursor": 9}) is False
    assert store.lease("d:1", "one", 105.0, 10.0) == {"cursor": 5}
    assert store.lease("d:1", "two", 116.0, 10.0) == {"cursor": 5}  # taken over, state kept
    assert store.update_lease("d:1", "one", {"cursor": 6}) is False
    store.drop_lease("d:1")
    assert store.lease("d:1", "one", 117.0, 10.0) == {}


def _publish_many(url: str, worker: int, count: int) -> None:
    opened = shared_store(store_from_url(url))
    for n in range(count):
        state = json.dumps({"w": worker, "n": n})
        opened.publish_event(1, state, "{}", {"extensionId": 1, "worker": worker}, 10_000)


def test_processes_never_share_a_sequence_or_a_position(shared_store_url: str) -> None:
    """Four processes publishing changes of one extension: every change is logged, with
    positions and sequences 1..N and no gaps (the compare-and-append is atomic)."""
    opened = store_from_url(shared_store_url)
    if shared_store_url.startswith("redis://"):
        opened._redis().flushdb()  # type: ignore[attr-defined]
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_publish_many, args=(shared_store_url, w, 25)) for w in range(4)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    logged = opened.events_after(0, 1000)
    assert [e["position"] for e in logged] == list(range(1, 101))
    assert [e["sequence"] for e in logged] == list(range(1, 101))
    for worker in range(4):  # each worker's changes in its own order
        mine = [e["body"]["n"] for e in logged if e["worker"] == worker]
        assert mine == list(range(25))


@pytest.mark.parametrize("kind", ["sqlite"])
def test_the_read_cache_passes_the_event_methods_through(kind: str, tmp_path: object) -> None:
    opened = shared_store(store_from_url(f"sqlite://{tmp_path}/cached.db"))
    logged = opened.publish_event(1, _state("Busy"), _state("seed"), {"extensionId": 1}, 10)
    assert logged is not None
    assert opened.events_after(0, 10) == [logged]
    assert opened.last_event_position() == 1
    opened.put_member("subs", "a", {"n": 1})
    assert opened.members("subs") == {"a": {"n": 1}}
    assert opened.lease("x", "me", 1.0, 1.0) == {}
