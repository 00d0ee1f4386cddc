"""Scenarios (issue 14): the published schema and its errors, the example files, and playing
one on a frozen emulator clock with the exact sequence of presence changes it causes."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from mockserver.inprocess import PresenceMock
from mockserver.platform.tokens import Caller
from mockserver.presence.wire import View
from mockserver.telephony.scenario import ScenarioError, parse, schema
from tests.calls_helpers import placed_only
from tests.live_server import COMMAND, serving
from tests.test_workers import login

FIXTURES = Path(__file__).parent.parent / "fixtures"
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
        # the blind transfer: the transferor's call ends, the target rings (decision 26)
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


def test_the_cli_checks_a_file_and_prints_the_schema(tmp_path: Path) -> None:
    checked = subprocess.run(
        [COMMAND, "scenario", "check", str(EXAMPLES[0])], capture_output=True, text=True
    )
    assert checked.returncode == 0 and "valid" in checked.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [{at: 1s, hold: {by: 1.5}}]")
    refused = subprocess.run(
        [COMMAND, "scenario", "check", str(bad)], capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert "steps[0].hold.by" in refused.stderr
    printed = subprocess.run([COMMAND, "scenario", "schema"], capture_output=True, text=True)
    assert json.loads(printed.stdout) == schema()


def _presence(url: str, number: str, session: requests.Session) -> dict[str, Any]:
    found = session.get(
        f"{url}/restapi/v1.0/account/~/extension",
        params={"extensionNumber": number},
        timeout=10,
    ).json()["records"][0]
    return session.get(
        f"{url}/restapi/v1.0/account/~/extension/{found['id']}/presence", timeout=10
    ).json()


@pytest.mark.e2e
def test_scenario_run_steps_a_frozen_server_through_its_timeline(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2") as url:
        requests.post(f"{url}/_mock/clock", json={"freeze": True}, timeout=10).raise_for_status()
        before = requests.get(f"{url}/_mock/clock", timeout=10).json()["now"]
        ran = subprocess.run(
            [COMMAND, "scenario", "run", str(FIXTURES / "scenario-park-and-pickup.yaml")],
            capture_output=True,
            text=True,
            env={"PRESENCE_MOCK_URL": url, "PATH": ""},
            timeout=60,
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.splitlines()[-1] == "+120.0s end: ok"
        assert requests.get(f"{url}/_mock/clock", timeout=10).json()["now"] == before + 120
        session = login(url)
        assert _presence(url, "150", session)["telephonyStatus"] == "NoCall"


@pytest.mark.e2e
def test_serve_plays_a_scenario_it_is_given(tmp_path: Path) -> None:
    scenario = tmp_path / "quick.yaml"
    scenario.write_text(
        "steps:\n  - {at: 0s, ring: {from: '+16505550100', to: '109'}}\n  - {at: 1s, answer: {}}\n"
    )
    with serving(tmp_path, "--workers", "2", "--scenario", str(scenario)) as url:
        session = login(url)
        for _ in range(100):
            if _presence(url, "109", session)["telephonyStatus"] == "CallConnected":
                break
            time.sleep(0.1)
        assert _presence(url, "109", session)["telephonyStatus"] == "CallConnected"


def test_serve_refuses_a_bad_scenario_at_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: 3")
    refused = subprocess.run(
        [COMMAND, "serve", "--port", "0", "--scenario", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "--scenario: " in refused.stderr and "steps: 3 is not of type 'array'" in refused.stderr


def test_a_scenario_logs_the_exact_sequence_of_events(mock: PresenceMock) -> None:
    """The events a subscriber gets are the event log's entries (issue 13's publisher): one per
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
        # parked: the parker's call ends, the Park Location holds it (decision 25)
        ("142", 3, "NoCall", "Available", ["NoCall"]),
        ("120", 1, "ParkedCall", "Offline", ["ParkedCall"]),
        ("142", 4, "NoCall", "Available", []),
        ("120", 2, "NoCall", "Offline", ["NoCall"]),
        ("150", 1, "CallConnected", "Busy", ["CallConnected"]),
        ("120", 3, None, "Offline", []),
        ("150", 2, "NoCall", "Available", ["NoCall"]),
    ]


def test_serve_refuses_a_background_without_the_controls(tmp_path: Path) -> None:
    scenario = "fixtures/scenario-inbound-call.yaml"
    command = [COMMAND, "serve", "--port", "0", "--controls", "off", "--scenario", scenario]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "needs the /_mock/ controls" in refused.stderr
