"""State kept as typed values: the fault kinds, and the records the store keeps as JSON.

Fault kinds are an enum whose values are the words of rules, `Prefer` and journals; the call
session and the WebHook delivery lease are typed records written in the same JSON shape as
before, so a store written by an earlier build reads back and writes the same.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from mockserver.chaos import FAULTS, NETWORK_FAULTS, Fault, Transport
from mockserver.chaos.specs import parse_rule, prefer
from mockserver.config import Settings
from mockserver.emulator import Emulator


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
        base.Images,
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


# An account's call record as the previous build wrote it (an internal call 101 -> 102 ringing),
# and what answering then holding it wrote: a step on the old record writes the same JSON.
PLACED: dict[str, Any] = {
    "counter": 1,
    "sessions": {
        "s-13ef647c98ac8351f22f542150ca21a0": {
            "id": "s-13ef647c98ac8351f22f542150ca21a0",
            "sessionId": "952258897779",
            "startTime": "2026-12-07T20:39:31.354Z",
            "kind": "internal",
            "queue": None,
            "next": 3,
            "parties": [
                {
                    "partyId": "p-13ef647c98ac8351f22f542150ca21a0-1",
                    "ext": 4977460004,
                    "direction": "Outbound",
                    "status": "Ringing",
                    "startTime": "2026-12-07T20:39:31.354Z",
                    "role": "caller",
                    "from": "101",
                    "fromName": "Nicole Mitchell",
                    "to": "102",
                    "toName": "Megan Coleman",
                },
                {
                    "partyId": "p-13ef647c98ac8351f22f542150ca21a0-2",
                    "ext": 620907055004,
                    "direction": "Inbound",
                    "status": "Ringing",
                    "startTime": "2026-12-07T20:39:31.354Z",
                    "role": "callee",
                    "from": "101",
                    "fromName": "Nicole Mitchell",
                    "to": "102",
                    "toName": "Megan Coleman",
                },
            ],
        }
    },
}
ANSWERED: dict[str, Any] = {
    "counter": 1,
    "sessions": {
        "s-13ef647c98ac8351f22f542150ca21a0": {
            "id": "s-13ef647c98ac8351f22f542150ca21a0",
            "sessionId": "952258897779",
            "startTime": "2026-12-07T20:39:31.354Z",
            "kind": "internal",
            "queue": None,
            "next": 3,
            "parties": [
                {
                    "partyId": "p-13ef647c98ac8351f22f542150ca21a0-1",
                    "ext": 4977460004,
                    "direction": "Outbound",
                    "status": "CallConnected",
                    "startTime": "2026-12-07T20:39:31.354Z",
                    "role": "caller",
                    "from": "101",
                    "fromName": "Nicole Mitchell",
                    "to": "102",
                    "toName": "Megan Coleman",
                },
                {
                    "partyId": "p-13ef647c98ac8351f22f542150ca21a0-2",
                    "ext": 620907055004,
                    "direction": "Inbound",
                    "status": "CallConnected",
                    "startTime": "2026-12-07T20:39:31.354Z",
                    "role": "callee",
                    "from": "101",
                    "fromName": "Nicole Mitchell",
                    "to": "102",
                    "toName": "Megan Coleman",
                },
            ],
        }
    },
}
HELD: dict[str, Any] = {
    "counter": 1,
    "sessions": {
        "s-13ef647c98ac8351f22f542150ca21a0": {
            "id": "s-13ef647c98ac8351f22f542150ca21a0",
            "sessionId": "952258897779",
            "startTime": "2026-12-07T20:39:31.354Z",
            "kind": "internal",
            "queue": None,
            "next": 3,
            "parties": [
                {
                    "partyId": "p-13ef647c98ac8351f22f542150ca21a0-1",
                    "ext": 4977460004,
                    "direction": "Outbound",
                    "status": "OnHold",
                    "startTime": "2026-12-07T20:39:31.354Z",
                    "role": "caller",
                    "from": "101",
                    "fromName": "Nicole Mitchell",
                    "to": "102",
                    "toName": "Megan Coleman",
                },
                {
                    "partyId": "p-13ef647c98ac8351f22f542150ca21a0-2",
                    "ext": 620907055004,
                    "direction": "Inbound",
                    "status": "CallConnected",
                    "startTime": "2026-12-07T20:39:31.354Z",
                    "role": "callee",
                    "from": "101",
                    "fromName": "Nicole Mitchell",
                    "to": "102",
                    "toName": "Megan Coleman",
                },
            ],
        }
    },
}


@pytest.mark.parametrize("backend", ["memory://", "sqlite"])
def test_a_call_record_in_the_stored_shape_reads_back_and_writes_the_same(
    backend: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'calls.db'}" if backend == "sqlite" else backend
    emulator = Emulator.from_settings(Settings(store=url))
    engine = emulator.telephony
    account = engine.account()
    emulator.store.put("telephony", str(account.id), copy.deepcopy(PLACED))
    session_id = "s-13ef647c98ac8351f22f542150ca21a0"
    shown = engine.session(account, session_id)
    assert [p["status"] for p in shown["parties"]] == ["Ringing", "Ringing"]
    assert [p["from"] for p in shown["parties"]] == ["101", "101"]
    engine.answer(account, session_id)
    assert json.dumps(emulator.store.get("telephony", str(account.id))) == json.dumps(ANSWERED)
    engine.hold(account, session_id)
    assert json.dumps(emulator.store.get("telephony", str(account.id))) == json.dumps(HELD)


def test_a_delivery_lease_in_the_stored_shape_reads_back_and_writes_the_same(
    tmp_path: Path,
) -> None:
    from mockserver.events.delivery import Deliverer
    from mockserver.events.subscriptions import lease_name
    from mockserver.platform.tokens import Caller
    from presence_mock_kit.receiver import WebhookReceiver

    emulator = Emulator.from_settings(Settings(store=f"sqlite:///{tmp_path / 'hooks.db'}"))
    store = emulator.store
    admin = emulator.directory.accounts[0].administrator
    app = emulator.directory.apps[0]
    caller = Caller(admin.account_id, admin.id, app.client_id, True, app.permissions, 0)
    deliverer = Deliverer(emulator.events, emulator.directory, emulator.clock, owner="one")
    with WebhookReceiver() as hook:
        body = {
            "eventFilters": ["/restapi/v1.0/account/~/extension/~/presence"],
            "deliveryMode": {"transportType": "WebHook", "address": hook.url},
        }
        created = emulator.events.subscriptions.create(caller, body)
        name = lease_name(created.id)
        cursor = emulator.events.log.last()
        # As the previous build left it: nothing new, a reminder time kept.
        idle = {"cursor": cursor, "remindAt": 5.0}
        assert store.lease(name, "one", time.time(), 30.0) == {}
        assert store.update_lease(name, "one", idle)
        assert deliverer.step() == 0
        written = store.lease(name, "one", time.time(), 30.0)
        assert json.dumps(written) == json.dumps(idle)
        # A failing one, due for its retry: the change is delivered, the schedule forgotten.
        failing = {"cursor": cursor, "remindAt": 5.0, "failingSince": 1.0, "attempt": 1}
        assert store.update_lease(name, "one", {**failing, "retryAt": 0.0})
        emulator.presence.update("", caller, "~", "~", {"userStatus": "Busy"})
        assert deliverer.step() == 1
        assert hook.wait_for_count(1, timeout=5)[0].json["body"]["userStatus"] == "Busy"
        written = store.lease(name, "one", time.time(), 30.0)
        assert json.dumps(written) == json.dumps(
            {"cursor": emulator.events.log.last(), "remindAt": 5.0}
        )
