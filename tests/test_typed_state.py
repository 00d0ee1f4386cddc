"""State kept as typed values: the fault kinds, and the records the store keeps as JSON.

Fault kinds are an enum whose values are the words of rules, `Prefer` and journals; the call
session and the WebHook delivery lease are typed records written in the same JSON shape as
before, so a store written by an earlier build reads back and writes the same.
"""

from __future__ import annotations

import json

import pytest

from mockserver.chaos import FAULTS, NETWORK_FAULTS, Fault, Transport
from mockserver.chaos.specs import parse_rule, prefer


def test_fault_values_are_the_words_on_the_wire() -> None:
    assert FAULTS == ("503", "500", "429", "reset", "empty", "truncate", "stall")
    assert {f.value for f in NETWORK_FAULTS} == {"reset", "empty", "truncate", "stall"}
    assert {t.value for t in Transport} == {"webhookDelivery", "webSocketSession"}
    assert json.dumps([Fault.RESET, Fault.UNAVAILABLE]) == '["reset", "503"]'
    assert [f.status for f in Fault] == [503, 500, 429, None, None, None, None]
    assert [f for f in Fault if not f.answered] == [Fault.RESET, Fault.EMPTY, Fault.STALL]


def test_rules_and_prefer_give_fault_members() -> None:
    rule = parse_rule("getToken=truncate:rate=50%", "fault")
    assert rule.fault is Fault.TRUNCATE
    assert rule.to_dict()["fault"] == "truncate"
    _, asked = prefer("fault=503; retry=5")
    assert asked is not None and asked.fault is Fault.UNAVAILABLE and asked.retry == 5


@pytest.mark.parametrize("text", ["teapot", "RESET", "404"])
def test_an_unknown_fault_is_refused_naming_it(text: str) -> None:
    with pytest.raises(Exception, match=f"'{text}': expected one of 503, 500, 429"):
        parse_rule(text, "fault")


def test_the_store_is_the_sum_of_small_protocols_each_backend_implements() -> None:
    from mockserver.storage import base
    from mockserver.storage.memory import MemoryStore
    from mockserver.storage.redis import RedisStore
    from mockserver.storage.sqlite import SQLiteStore

    parts = [
        base.Records,
        base.Counters,
        base.Overrides,
        base.Entries,
        base.Transactions,
        base.EventStream,
        base.Collections,
        base.Leases,
    ]
    methods = [_methods(part) for part in parts]
    assert sum(len(m) for m in methods) == len(set().union(*methods))  # each method in one
    assert set().union(*methods) == _methods(base.Store)
    for backend in (MemoryStore, SQLiteStore, RedisStore):
        assert all(callable(getattr(backend, name, None)) for name in _methods(base.Store))


def _methods(protocol: type) -> set[str]:
    return {
        name
        for klass in protocol.__mro__
        if klass.__module__ == "mockserver.storage.base"
        for name, value in vars(klass).items()
        if callable(value) and not name.startswith("_")
    }
