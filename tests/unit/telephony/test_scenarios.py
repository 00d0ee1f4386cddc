"""Scenarios: the published schema and its errors, the example files, and playing
one on a frozen emulator clock with the exact sequence of presence changes it causes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from jsonschema import Draft202012Validator

from mockserver.inprocess import PresenceMock
from mockserver.platform.tokens import Caller
from mockserver.presence.wire import View
from mockserver.telephony.scenario import ScenarioError, parse, schema
from tests.support.calls_helpers import placed_only
from tests.support.paths import REPO

FIXTURES = REPO / "fixtures"
EXAMPLES = sorted(FIXTURES.glob("scenario-*"))


def test_the_schema_is_a_valid_json_schema_and_every_example_passes_it() -> None:
    Draft202012Validator.check_schema(schema())
    assert len(EXAMPLES) >= 5
    for example in EXAMPLES:
        loaded = parse(example.read_text(), example.name)
        assert tuple(loaded.steps)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("steps: []", "steps: [] should be non-empty"),
        ("steps: [{at: 0s}]", "steps[0]: {'at': '0s'} does not have enough properties"),
        ("steps: [{at: soon, end: {}}]", "steps[0].at: 'soon' is not valid"),
        ("steps: [{at: 1s, ring: {from: '+1650'}}]", "steps[0].ring: 'to' is a required property"),
        ("steps: [{at: 1s, hold: {by: 1.5}}]", "steps[0].hold.by: 1.5 is not valid"),
        ("steps: [{at: 1s, dance: {}}]", "steps[0]: Additional properties are not allowed"),
        (
            "steps: [{at: 1s, presence: {user: '101', dndStatus: Maybe}}]",
            "steps[0].presence.dndStatus: 'Maybe' is not one of",
        ),
        ("steps: [{at: 1s, answer: {}}]", "steps[0]: answer before any call is placed"),
        (
            "steps: [{at: 5s, ring: {from: '101', to: '102'}}, {at: 2s, end: {}}]",
            "steps[1].at: '2s' comes before the step above it",
        ),
        (
            "steps: [{at: 0, ring: {from: '101', to: '102'}}, {at: 1, end: {call: x}}]",
            "steps[1].end.call: no call is labelled 'x'",
        ),
        ("steps: [{at: 0, ring: {from: '101', to: '102'}", "not YAML or JSON"),
        ("{steps: 1, other: 2}", "the document: Additional properties are not allowed"),
    ],
)
def test_a_bad_scenario_is_refused_naming_the_step_and_field(text: str, says: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse(text, "bad.yaml")
    assert str(refused.value).startswith("bad.yaml: ")
    assert says in str(refused.value)


def test_offsets_read_as_durations() -> None:
    loaded = parse(
        "steps: [{at: 0, ring: {from: '101', to: '102'}}, {at: +1m30s, answer: {}},"
        " {at: 90500ms, end: {}}]"
    )
    assert [s.at for s in loaded.steps] == [0.0, 90.0, 90.5]


class Changes:
    """What a subscriber would see: after each `changed`, the presence of each extension."""

    def __init__(self, mock: PresenceMock) -> None:
        self.mock = mock
        self.seen: list[tuple[str, str, str, list[str]]] = []
        mock.emulator.presence.listen(self)

    def presence_changed(self, extension_ids: Sequence[int]) -> None:
        presence = self.mock.emulator.presence
        account = self.mock.emulator.directory.accounts[0]
        admin = account.administrator
        caller = Caller(account.id, admin.id, "app", True, frozenset(), 0.0)
        for ext_id in extension_ids:
            ext = account.by_id[ext_id]
            body = presence.record("", caller, ext, presence.states([ext]), View(True, True))
            calls = [c["telephonyStatus"] for c in body.get("activeCalls", [])]
            self.seen.append(
                (ext.number, body.get("telephonyStatus"), body["presenceStatus"], calls)
            )


@pytest.fixture
def mock() -> Iterator[PresenceMock]:
    with PresenceMock() as started:
        started.emulator.clock.freeze()
        yield started


def test_a_scenario_plays_on_the_frozen_clock_step_by_step(mock: PresenceMock) -> None:
    changes = Changes(mock)
    playback = mock.play(FIXTURES / "scenario-inbound-call.yaml")
    assert changes.seen == [("109", "Ringing", "Available", ["Ringing"])]
    assert playback.advance(2.9) == []  # the clock stands still between steps
    assert [o.step.action for o in playback.advance(0.1)] == ["answer"]
    assert playback.finish()[-1].step.action == "end"
    assert changes.seen == [
        ("109", "Ringing", "Available", ["Ringing"]),
        ("109", "CallConnected", "Busy", ["CallConnected"]),
        ("109", "OnHold", "Busy", ["OnHold"]),
        ("109", "CallConnected", "Busy", ["CallConnected"]),
        ("109", "NoCall", "Available", ["NoCall"]),
    ]
    assert [round(o.time - playback.start, 3) for o in playback.outcomes] == [0, 3, 40, 55, 90]


def test_a_transfer_scenario_changes_every_party_in_order(mock: PresenceMock) -> None:
    changes = Changes(mock)
    mock.play(FIXTURES / "scenario-internal-transfer.yaml").finish()
    assert changes.seen == [
        ("115", "Ringing", "Available", ["Ringing"]),
        ("122", "Ringing", "Available", ["Ringing"]),
        ("115", "CallConnected", "Busy", ["CallConnected"]),
        ("122", "CallConnected", "Busy", ["CallConnected"]),
        # the blind transfer: the transferor's call ends, the target rings (decision CALL-30)
        ("115", "CallConnected", "Busy", ["CallConnected"]),
        ("122", "NoCall", "Available", ["NoCall"]),
        ("130", "Ringing", "Available", ["Ringing"]),
        ("115", "CallConnected", "Busy", ["CallConnected"]),
        ("122", "NoCall", "Available", []),
        ("130", "CallConnected", "Busy", ["CallConnected"]),
        ("115", "NoCall", "Available", ["NoCall"]),
        ("122", "NoCall", "Available", []),
        ("130", "NoCall", "Available", ["NoCall"]),
    ]


def test_a_refused_step_stops_a_strict_play_and_is_kept_otherwise(mock: PresenceMock) -> None:
    mock.calls.set_presence("109", dndStatus="DoNotAcceptAnyCalls")
    with pytest.raises(ScenarioError, match=r"steps\[0\] \(ring at 0s\) was refused: 409"):
        mock.play(FIXTURES / "scenario-inbound-call.yaml")
    lenient = mock.play(FIXTURES / "scenario-inbound-call.yaml", strict=False)
    lenient.finish()
    assert [bool(o.refused) for o in lenient.outcomes] == [True] * 5


def test_every_example_plays_through_without_a_refusal(mock: PresenceMock) -> None:
    for example in EXAMPLES:
        mock.reset()
        mock.emulator.clock.freeze()
        playback = mock.play(example)
        playback.finish()
        assert not [o.refused for o in playback.outcomes if o.refused], example.name
        assert placed_only(mock.calls.list(), mock.emulator.directory.accounts[0]) == []


def test_a_scenario_logs_the_exact_sequence_of_events(mock: PresenceMock) -> None:
    """The events a subscriber gets are the event log's entries (the events publisher's): one per
    real change of one extension, with its sequence, in the order the steps made them."""
    log = mock.emulator.events.log
    start = log.last()
    mock.play(FIXTURES / "scenario-park-and-pickup.yaml").finish()
    numbers = {e.id: e.number for e in mock.emulator.directory.accounts[0].extensions}
    seen = [
        (
            numbers[change.extension_id],
            change.sequence,
            change.body.get("telephonyStatus"),
            change.body["presenceStatus"],
            [c["telephonyStatus"] for c in change.body.get("activeCalls", [])],
        )
        for change in log.after(start, 100)
    ]
    assert seen == [
        ("142", 1, "Ringing", "Available", ["Ringing"]),
        ("142", 2, "CallConnected", "Busy", ["CallConnected"]),
        # parked: the parker's call ends, the Park Location holds it (decisions CALL-29, CALL-10)
        ("142", 3, "NoCall", "Available", ["NoCall"]),
        ("120", 1, "ParkedCall", "Offline", ["ParkedCall"]),
        ("142", 4, "NoCall", "Available", []),
        ("120", 2, "NoCall", "Offline", ["NoCall"]),
        ("150", 1, "CallConnected", "Busy", ["CallConnected"]),
        ("120", 3, None, "Offline", []),
        ("150", 2, "NoCall", "Available", ["NoCall"]),
    ]
