"""A snapshot exported from each store and imported into each (3 x 3) exports again byte for
byte, apart from its one timestamp; and what an import brings back works on."""

from __future__ import annotations

import pytest

from mockserver.events.subscriptions import WEBSOCKET
from mockserver.snapshots import export_bytes, import_snapshot, parse
from tests.support.snapshots import (
    KINDS,
    OWN_PRESENCE,
    EmulatorOf,
    build_office,
    caller_of,
    sections,
    without_timestamp,
)


@pytest.mark.parametrize("target", KINDS)
@pytest.mark.parametrize("source", KINDS)
def test_a_round_trip_is_byte_for_byte(source: str, target: str, emulator_of: EmulatorOf) -> None:
    original = emulator_of(source)
    build_office(original)
    exported = export_bytes(original)
    loaded = emulator_of(target)
    import_snapshot(loaded, parse(exported, "snapshot"))
    again = export_bytes(loaded)
    assert without_timestamp(again) == without_timestamp(exported)
    assert again != exported or b'"exportedAt"' in again  # the timestamp is the only difference
    found = sections(again)
    assert found["presence"] and found["queues"] and found["unified"] and found["calls"]
    assert len(found["subscriptions"]) == 1 and "frozenAt" in found["clock"]
    assert found["events"]["position"] > 0 and found["events"]["published"]


def test_an_imported_office_reads_and_goes_on_as_it_was(emulator_of: EmulatorOf) -> None:
    original = emulator_of("memory")
    build_office(original)
    loaded = emulator_of("sqlite")
    import_snapshot(loaded, parse(export_bytes(original), "snapshot"))
    account = original.directory.accounts[0]
    assert loaded.telephony.sessions(account) == original.telephony.sessions(account)
    assert loaded.clock.now() == original.clock.now() and loaded.clock.frozen
    ids = [e.id for e in account.extensions]
    assert loaded.presence.states(
        [e for e in account.extensions if e.type.is_user]
    ) == original.presence.states([e for e in account.extensions if e.type.is_user])
    assert [s.to_record() for s in loaded.events.subscriptions.all()] == [
        s.to_record() for s in original.events.subscriptions.all()
    ]
    # The log goes on from the snapshot's position, and each extension's sequence from its own.
    position = original.events.log.last()
    published = _published(original)
    user = next(
        e
        for e in account.extensions
        if published.get(str(e.id), {}).get("state", {}).get("userStatus") == "Busy"
    )
    sequence = published[str(user.id)]["sequence"]
    for emulator in (original, loaded):
        emulator.telephony.set_presence(account, str(user.id), {"userStatus": "Offline"})
    assert loaded.events.log.last() == original.events.log.last() == position + 1
    after = loaded.events.log.after(position)
    assert [c.sequence for c in after] == [sequence + 1]
    assert ids  # the directory is the same one


def _published(emulator) -> dict:
    return sections(export_bytes(emulator))["events"]["published"]


def test_an_import_replaces_the_state_it_carries(emulator_of: EmulatorOf) -> None:
    empty = emulator_of("memory")
    snapshot = parse(export_bytes(empty), "snapshot")
    busy = emulator_of("memory")
    build_office(busy)
    busy.telephony.start_activity("office-day", 1.0, 7)
    token_records = busy.store.get("clock", "offset")
    assert token_records is not None
    import_snapshot(busy, snapshot)
    after = sections(export_bytes(busy))
    expected = sections(export_bytes(empty))
    assert {k: v for k, v in after.items() if k != "events"} == {
        k: v for k, v in expected.items() if k != "events"
    }
    assert busy.telephony.activity() is None  # a running office day is not carried
    assert not busy.clock.frozen and abs(busy.clock.offset) < 1
    # Positions never go back: the log keeps counting from where this server was.
    assert after["events"]["position"] >= 6 and after["events"]["published"] == {}


def test_websocket_subscriptions_are_not_saved(emulator_of: EmulatorOf) -> None:
    emulator = emulator_of("memory")
    admin = emulator.directory.accounts[0].administrator
    body = {"eventFilters": [OWN_PRESENCE], "deliveryMode": {"transportType": "WebSocket"}}
    emulator.events.subscriptions.create(
        caller_of(emulator, admin), body, transport=WEBSOCKET, session_id="socket-1"
    )
    assert len(emulator.events.subscriptions.all()) == 1
    assert sections(export_bytes(emulator))["subscriptions"] == []
