"""Store.transact: one record and several extensions' overrides, all or nothing,
atomic across threads and processes, on every backend (memory, SQLite, Redis) and through the
SQLite read cache."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from mockserver.scaleout import shared_store
from mockserver.storage import Store, store_from_url
from mockserver.storage.base import Transaction
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name

NS, KEY = "telephony", "1"


def count_step(record: dict[str, Any] | None, found: dict[int, dict[str, Any]]) -> Transaction:
    """One more on the record and on extensions 1 and 2, from what the transaction read."""
    done = (record or {}).get("n", 0) + 1
    return Transaction(
        {"n": done},
        {i: {"~n": found.get(i, {}).get("~n", 0) + 1} for i in (1, 2)},
    )


def test_a_step_writes_the_record_and_the_overrides_together(store: Store) -> None:
    store.merge_overrides(1, {"userStatus": "Busy"})
    seen: list[Any] = []

    def step(record: dict[str, Any] | None, found: dict[int, dict[str, Any]]) -> Transaction:
        seen.append((record, found))
        return Transaction({"sessions": {"s-1": {}}}, {1: {"~calls": [{"id": "s-1"}]}, 2: {}})

    store.transact(NS, KEY, [1, 2, 3], step)
    assert seen == [(None, {1: {"userStatus": "Busy"}})]
    assert store.get(NS, KEY) == {"sessions": {"s-1": {}}}
    assert store.overrides([1, 2]) == {1: {"userStatus": "Busy", "~calls": [{"id": "s-1"}]}}


def test_a_failing_step_leaves_nothing_half_applied(store: Store) -> None:
    store.transact(NS, KEY, [1, 2], count_step)

    def failing(record: dict[str, Any] | None, found: dict[int, dict[str, Any]]) -> Transaction:
        found[1]["~n"] = 99  # even a step that changes what it read in place
        raise ValueError("illegal step")

    with pytest.raises(ValueError):
        store.transact(NS, KEY, [1, 2], failing)
    assert store.get(NS, KEY) == {"n": 1}
    assert store.overrides([1, 2]) == {1: {"~n": 1}, 2: {"~n": 1}}


def test_concurrent_steps_in_threads_are_serialised(store: Store) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: store.transact(NS, KEY, [1, 2], count_step), range(40)))
    assert store.get(NS, KEY) == {"n": 40}
    assert store.overrides([1, 2]) == {1: {"~n": 40}, 2: {"~n": 40}}


def _count_in_process(url: str, times: int) -> None:
    opened = shared_store(store_from_url(url))
    for _ in range(times):
        opened.transact(NS, KEY, [1, 2], count_step)


def test_concurrent_steps_in_processes_are_serialised(shared_store_url: str) -> None:
    opened = shared_store(store_from_url(shared_store_url))
    if shared_store_url.startswith("redis://"):
        opened._redis().flushdb()  # type: ignore[attr-defined]
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_count_in_process, args=(shared_store_url, 15)) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert opened.get(NS, KEY) == {"n": 45}  # through the read cache, kept exact
    assert opened.overrides([1, 2]) == {1: {"~n": 45}, 2: {"~n": 45}}
