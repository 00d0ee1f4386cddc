"""The store's snapshot methods (`image`, `restore`) on every backend: what is read, what is
replaced, and that the event log's position never goes back."""

from __future__ import annotations

import json

import pytest

from mockserver.directory.model import PresenceSettings
from mockserver.storage import Image, Store, store_from_url
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name

BIG_ID = 62_090_706_700_412  # 14 digits: must survive every backend untouched
RECORDS = [("telephony", "1"), ("telephony", "2"), ("clock", "offset")]


def _state(status: str) -> str:
    return json.dumps({"extensionId": str(BIG_ID), "userStatus": status}, sort_keys=True)


def _fill(store: Store) -> None:
    store.merge_overrides(BIG_ID, PresenceSettings(userStatus="Busy", message="hi"))
    store.merge_overrides(-BIG_ID, {"status": "Busy"})  # type: ignore[typeddict-unknown-key]
    store.put("telephony", "1", {"counter": 2, "sessions": {}}, expires=None)
    store.put("clock", "offset", {"seconds": 12.5})
    store.put("tokens", "x", {"kept": True})  # not named: never touched
    store.put_member("subscriptions", "a", {"id": "a"})
    store.lease("delivery:a", "me", 0.0, 60.0)
    store.publish_event(BIG_ID, _state("Busy"), _state("seed"), {"extensionId": BIG_ID}, 100)


def test_an_image_holds_what_is_asked_for(store: Store) -> None:
    _fill(store)
    image = store.image(RECORDS, "subscriptions")
    assert image.overrides == {
        BIG_ID: {"userStatus": "Busy", "message": "hi"},
        -BIG_ID: {"status": "Busy"},
    }
    assert image.records == {
        ("telephony", "1"): {"counter": 2, "sessions": {}},
        ("clock", "offset"): {"seconds": 12.5},
    }
    assert image.members == {"a": {"id": "a"}}
    assert image.heads == {BIG_ID: (1, _state("Busy"))}
    assert image.position == 1


def test_a_restore_replaces_all_it_names_and_only_that(store: Store) -> None:
    _fill(store)
    wanted = Image(
        overrides={7: {"userStatus": "Offline"}},
        records={("telephony", "2"): {"counter": 9}},
        members={"b": {"id": "b"}},
        heads={7: (4, _state("Offline"))},
        position=40,
    )
    store.restore(wanted, RECORDS, "subscriptions", ["delivery:a"])
    again = store.image(RECORDS, "subscriptions")
    assert again == wanted
    assert store.get("tokens", "x") == {"kept": True}
    assert store.lease("delivery:a", "other", 0.0, 60.0) == {}  # dropped: free, fresh state
    assert store.events_after(0, 100) == []  # the old log is gone
    logged = store.publish_event(7, _state("Busy"), _state("seed"), {"extensionId": 7}, 100)
    assert logged is not None and (logged["position"], logged["sequence"]) == (41, 5)
    assert logged["previous"] == json.loads(_state("Offline"))


def test_positions_never_go_back(store: Store) -> None:
    for n in range(5):
        store.publish_event(1, _state(f"s{n}"), _state("seed"), {"extensionId": 1}, 100)
    store.restore(Image({}, {}, {}, {}, 2), RECORDS, "subscriptions", [])
    assert store.image(RECORDS, "subscriptions").position == 5
    logged = store.publish_event(1, _state("again"), _state("seed"), {"extensionId": 1}, 100)
    assert logged is not None and logged["position"] == 6 and logged["sequence"] == 1


def test_a_fresh_store_takes_the_position(store: Store) -> None:
    store.restore(Image({}, {}, {}, {}, 17), RECORDS, "subscriptions", [])
    assert store.last_event_position() == 17
    assert store.image(RECORDS, "subscriptions") == Image({}, {}, {}, {}, 17)


def test_a_restore_that_fails_half_way_changes_nothing(shared_store_url: str) -> None:
    """SQLite's transaction rolls back, Redis's MULTI is never sent: the old state stays whole
    (a record that cannot be written comes after the overrides were deleted)."""
    store = store_from_url(shared_store_url)
    if shared_store_url.startswith("redis://"):
        store._redis().flushdb()  # type: ignore[attr-defined]
    _fill(store)
    before = store.image(RECORDS, "subscriptions")
    broken = Image(
        overrides={7: {"userStatus": "Offline"}},
        records={("telephony", "2"): {"cannot": {"be", "JSON"}}},
        members={"b": {"id": "b"}},
        heads={},
        position=99,
    )
    with pytest.raises(TypeError):
        store.restore(broken, RECORDS, "subscriptions", ["delivery:a"])
    assert store.image(RECORDS, "subscriptions") == before
    assert store.events_after(0, 10) != []  # the log was not emptied either
