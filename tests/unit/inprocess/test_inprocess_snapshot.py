"""`PresenceMock(snapshot=FILE)`: the in-process emulator starts from a snapshot's accounts and
state, over HTTP as the client reads it, and `reset()` goes back to the snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from mockserver import PresenceMock
from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.inprocess.mock import PRODUCTION
from mockserver.snapshots import SnapshotError, export_bytes
from tests.support.login import login_headers
from tests.support.snapshots import build_office, sections, without_timestamp

PRESENCE = PRODUCTION + "/restapi/v1.0/account/~/extension/{}/presence"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Path:
    emulator = Emulator.from_settings(Settings(seed=7))  # not the default accounts
    build_office(emulator)
    path = tmp_path_factory.mktemp("snapshot") / "office.json"
    path.write_bytes(export_bytes(emulator))
    return path


def _busy(office: Path) -> str:
    presence = sections(office.read_bytes())["presence"]
    return next(key for key, fields in presence.items() if fields.get("userStatus") == "Busy")


def test_the_mock_starts_from_the_snapshot(office: Path) -> None:
    with PresenceMock(snapshot=office) as mock:
        assert without_timestamp(export_bytes(mock.emulator)) == without_timestamp(
            office.read_bytes()
        )
        headers = login_headers(PRODUCTION, mock.credentials)
        read = requests.get(PRESENCE.format(_busy(office)), headers=headers, timeout=5).json()
        assert read["userStatus"] == "Busy"
        assert mock.emulator.clock.frozen


def test_reset_goes_back_to_the_snapshot(office: Path) -> None:
    with PresenceMock(snapshot=office) as mock:
        headers = login_headers(PRODUCTION, mock.credentials)
        url = PRESENCE.format(_busy(office))
        changed = requests.put(url, json={"userStatus": "Offline"}, headers=headers, timeout=5)
        assert changed.status_code == 200
        mock.reset()
        assert requests.get(url, headers=headers, timeout=5).json()["userStatus"] == "Busy"
        after, saved = sections(export_bytes(mock.emulator)), sections(office.read_bytes())
        # All as saved, but the event log's position: positions never go back.
        assert after["events"].pop("position") > saved["events"].pop("position")
        assert after == saved


def test_a_bad_snapshot_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "presence-mock-snapshot", "version": 9}')
    with pytest.raises(SnapshotError, match=r"bad\.json: snapshot version 9 .* reads version 1"):
        PresenceMock(snapshot=bad)
    with pytest.raises(SnapshotError, match="cannot read"):
        PresenceMock(snapshot=tmp_path / "missing.json")


def test_fixture_and_snapshot_together_are_refused(office: Path) -> None:
    with pytest.raises(SnapshotError, match="not both"):
        PresenceMock(snapshot=office, fixture=office)


@pytest.mark.presence_mock(snapshot=str(Path(__file__).parent / "missing-on-purpose.json"))
def test_the_marker_takes_it_too(request: pytest.FixtureRequest) -> None:
    with pytest.raises(SnapshotError, match=r"missing-on-purpose\.json: cannot read"):
        request.getfixturevalue("presence_mock")


def test_a_subscription_saved_in_process_is_delivered_after_loading(tmp_path: Path) -> None:
    """Saved with `webhook()`'s address in one mock, loaded in another, it gets the changes."""
    subscribe = PRODUCTION + "/restapi/v1.0/subscription"
    own = "/restapi/v1.0/account/~/extension/~/presence"
    with PresenceMock() as first:
        headers = login_headers(PRODUCTION, first.credentials)
        body = {
            "eventFilters": [own],
            "deliveryMode": {"transportType": "WebHook", "address": first.webhook()},
        }
        assert requests.post(subscribe, json=body, headers=headers, timeout=5).status_code == 200
        saved = tmp_path / "hooked.json"
        saved.write_bytes(export_bytes(first.emulator))
    got: list[dict] = []
    with PresenceMock(snapshot=saved) as second:
        second.webhook(got.append)
        headers = login_headers(PRODUCTION, second.credentials)
        me = PRODUCTION + own
        assert requests.put(me, json={"userStatus": "Busy"}, headers=headers, timeout=5).ok
    assert [event["body"]["userStatus"] for event in got] == ["Busy"]
