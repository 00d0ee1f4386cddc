"""The seed's calls are first-class (decision CALL-23): `/_mock/calls` lists them, every step
applies to them with the same rules, both parties' presence follows, and a reset restores them.
Through the HTTP API of `serve --workers 2`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mockserver.directory.model import Extension
from tests.support.calls_helpers import Office, account, lone_seeded_call, seeded_ids
from tests.support.live_server import serving

ACCOUNT = account()


def _alone(status: str, outside: bool) -> tuple[Extension, dict[str, Any]]:
    return lone_seeded_call(ACCOUNT, status, outside)


class SeededOffice(Office):
    def calls(self) -> list[dict[str, Any]]:
        listed = requests.get(f"{self.url}/_mock/calls", timeout=10).json()
        records: list[dict[str, Any]] = listed["records"]
        return records

    def seeded(self, ext_id: int, call: dict[str, Any]) -> dict[str, Any]:
        """The seed's `call` as this server reads it: the same but its start, which is shortly
        before the server's own (decision CALL-81), not on the seed's reference day."""
        (served,) = [c for c in self.presence(ext_id)["activeCalls"] if c["id"] == call["id"]]
        assert served["startTime"] > call["startTime"]
        assert {**served, "startTime": call["startTime"]} == call
        return served

    def sessions_of(self, ext_id: int) -> list[str]:
        return [c["telephonySessionId"] for c in self.active_calls(ext_id)]

    def state(self, ext_id: int, session: str) -> tuple[str, list[str]]:
        telephony, _, calls = self.status(ext_id, session)
        return telephony, calls


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("seeded"), "--workers", "2") as url:
        yield url


@pytest.fixture
def office(server: str) -> Iterator[SeededOffice]:
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    yield SeededOffice(server)


def test_the_calls_list_shows_the_seed_calls_with_both_parties(office: SeededOffice) -> None:
    listed = {s["telephonySessionId"]: s for s in office.calls()}
    assert list(listed) == seeded_ids(ACCOUNT)
    extensions = {e.number: e.id for e in ACCOUNT.extensions}
    for ext in ACCOUNT.extensions:
        for call in ext.active_calls:
            session = listed[call["telephonySessionId"]]
            mine = next(p for p in session["parties"] if p["partyId"] == call["partyId"])
            assert (mine["extensionId"], mine["status"]) == (ext.id, call["telephonyStatus"])
            assert session["sessionId"] == call["sessionId"]
            other = call["from"] if call["direction"] == "Inbound" else call["to"]
            others = [p for p in session["parties"] if p is not mine]
            assert len(others) == 1
            if call["queueCall"]:
                assert session["kind"] == "queue" and "extensionId" not in others[0]
            elif other in extensions:  # an internal call: the colleague is a party too
                assert others[0]["extensionId"] == extensions[other]
                assert session["kind"] == "internal"
            else:
                assert "extensionId" not in others[0]


def test_a_seeded_call_ends_and_a_reset_brings_it_back(office: SeededOffice) -> None:
    ext, call = _alone("CallConnected", outside=True)
    call = office.seeded(ext.id, call)
    session = call["telephonySessionId"]
    assert office.state(ext.id, session) == ("CallConnected", ["CallConnected"])
    assert session in office.sessions_of(ext.id)

    ended = office.post(f"/calls/{session}/end")
    assert [p["status"] for p in ended["parties"]] == ["NoCall", "NoCall"]
    found = office.presence(ext.id)
    assert found["telephonyStatus"] == "NoCall"
    (gone,) = found["activeCalls"]
    # The seed's call, ended: the same call ID and sipData, NoCall once with `final`.
    assert gone["id"] == call["id"] and gone["sipData"] == call["sipData"]
    assert (gone["telephonyStatus"], gone["terminationType"]) == ("NoCall", "final")
    assert session not in office.sessions_of(ext.id)
    assert session not in {s["telephonySessionId"] for s in office.calls()}
    office.post(f"/calls/{session}/end", status=404)  # an ended call is gone

    requests.post(f"{office.url}/_mock/reset", timeout=10).raise_for_status()
    assert office.presence(ext.id)["activeCalls"] == [call]  # the seed's, untouched
    assert session in {s["telephonySessionId"] for s in office.calls()}


def test_a_seeded_connected_call_holds_and_resumes(office: SeededOffice) -> None:
    ext, call = _alone("CallConnected", outside=True)
    call = office.seeded(ext.id, call)
    session = call["telephonySessionId"]
    office.post(f"/calls/{session}/hold", {"extensionId": ext.id})
    found = office.presence(ext.id)
    assert found["telephonyStatus"] == "OnHold"
    (held,) = found["activeCalls"]
    assert {**held, "telephonyStatus": "CallConnected"} == call  # only the status changed
    office.post(f"/calls/{session}/hold", {"extensionId": ext.id}, status=409)
    office.post(f"/calls/{session}/unhold", {"extensionId": ext.id})
    assert office.presence(ext.id)["activeCalls"] == [call]


def test_a_seeded_internal_call_steps_for_both_parties(office: SeededOffice) -> None:
    ext, call = _alone("Ringing", outside=False)
    call = office.seeded(ext.id, call)
    session = call["telephonySessionId"]
    colleague = next(
        e.id for e in ACCOUNT.extensions if e.number in (call["from"], call["to"]) and e is not ext
    )
    callee = ext.id if call["direction"] == "Inbound" else colleague
    caller = colleague if callee == ext.id else ext.id
    office.post(f"/calls/{session}/hold", {"extensionId": callee}, status=409)  # still ringing
    office.post(f"/calls/{session}/answer")
    assert office.state(callee, session) == ("CallConnected", ["CallConnected"])
    assert office.state(caller, session)[1] == ["CallConnected"]
    office.post(f"/calls/{session}/hold", {"extensionId": callee})
    assert office.state(callee, session) == ("OnHold", ["OnHold"])
    assert office.state(caller, session)[1] == ["CallConnected"]  # hold is the holder's
    office.post(f"/calls/{session}/unhold", {"extensionId": callee})
    assert office.state(callee, session) == ("CallConnected", ["CallConnected"])
    office.post(f"/calls/{session}/end", {"extensionId": caller})
    assert office.state(callee, session)[1] == ["NoCall"]
    assert office.state(caller, session)[1] == ["NoCall"]
    assert session not in office.sessions_of(callee)
