"""`replay` builds the account as it was at the recording's first request: each fact from the
first answer that showed it, a stand-in call for a telephonyStatus whose calls were not listed,
and the call queues a user's record names."""

from __future__ import annotations

from typing import Any

from mockserver.directory.builder import build_directory
from mockserver.directory.fixtures import directory_from_dict
from mockserver.recording import drift
from mockserver.recording.replay import STAND_IN_CALL, fixture_from_recording
from tests.support.recordings import (
    API,
    Step,
    exchanges_of,
    recorded_session,
    session_steps,
    tampered,
)


def _extension(fixture: dict[str, Any], extension_id: int) -> dict[str, Any]:
    found: dict[str, Any] = next(
        e for a in fixture["accounts"] for e in a["extensions"] if e["id"] == extension_id
    )
    return found


def test_presence_is_the_state_before_the_writes() -> None:
    recording = recorded_session()
    written = next(exchanges_of(recording, "updateUserPresenceStatus"))
    user = written["response"]["body"]["extension"]["id"]
    reads = [
        e
        for e in recording["exchanges"]
        if e["operation"] == "readUserPresenceStatus"
        and e["request"]["path"].endswith(f"/{user}/presence")
    ]
    assert len(reads) == 2
    first, after = reads[0]["response"]["body"], reads[1]["response"]["body"]
    assert after["dndStatus"] == "DoNotAcceptAnyCalls" != first["dndStatus"]
    presence = _extension(fixture_from_recording(recording), user)["presence"]
    assert presence["dndStatus"] == first["dndStatus"]
    # The first read has no message, so none is written (FID-2): the state before is "".
    assert presence["message"] == first.get("message", "") == ""
    assert presence["userStatus"] == first["userStatus"]


def test_a_write_seen_first_is_kept_as_written() -> None:
    """With no read before it, the write's answer is all the recording knows: kept as it is
    (asking the write again writes the same)."""

    def without_first_read(recording: dict[str, Any]) -> None:
        written = next(exchanges_of(recording, "updateUserPresenceStatus"))
        user = written["response"]["body"]["extension"]["id"]
        recording["exchanges"] = [
            e
            for e in recording["exchanges"]
            if not (
                e["operation"] in ("readUserPresenceStatus", "readAccountPresence")
                and str(user) in str(e["response"]["body"])
                and recording["exchanges"].index(e) < recording["exchanges"].index(written)
            )
        ]

    recording = tampered(recorded_session(), without_first_read)
    written = next(exchanges_of(recording, "updateUserPresenceStatus"))
    user = written["response"]["body"]["extension"]["id"]
    presence = _extension(fixture_from_recording(recording), user)["presence"]
    assert presence["dndStatus"] == "DoNotAcceptAnyCalls"


def test_a_telephony_status_without_its_calls_gets_a_stand_in_call() -> None:
    recording = recorded_session()
    page = next(exchanges_of(recording, "readAccountPresence"))["response"]["body"]
    assert "activeCalls" not in page["records"][0]
    on_call = [r for r in page["records"] if r.get("telephonyStatus") not in (None, "NoCall")]
    assert on_call, "the seed has users on calls on the first page"
    fixture = fixture_from_recording(recording)
    for record in on_call:
        user = record["extension"]["id"]
        calls = _extension(fixture, user)["presence"]["activeCalls"]
        listed = any(
            str(user) in str(e["response"]["body"]) and "activeCalls" in str(e["response"]["body"])
            for e in recording["exchanges"]
            if e["operation"] in ("readAccountPresence", "readUserPresenceStatus")
            and e["request"]["query"].get("detailedTelephonyState") == ["true"]
        )
        if not listed:
            assert calls == [
                {"id": STAND_IN_CALL.format(user), "telephonyStatus": record["telephonyStatus"]}
            ]
    directory_from_dict(fixture)  # a valid fixture


def test_a_status_that_is_no_call_status_gets_no_call() -> None:
    def unknown(recording: dict[str, Any]) -> None:
        for record in next(exchanges_of(recording, "readAccountPresence"))["response"]["body"][
            "records"
        ]:
            if record.get("telephonyStatus") not in (None, "NoCall"):
                record["telephonyStatus"] = "Unknown"

    fixture = fixture_from_recording(tampered(recorded_session(), unknown))
    stand_ins = [
        call
        for a in fixture["accounts"]
        for e in a["extensions"]
        for call in e.get("presence", {}).get("activeCalls", [])
        if call["id"].startswith("recorded-call-")
    ]
    assert all(call["telephonyStatus"] != "Unknown" for call in stand_ins)
    directory_from_dict(fixture)


def test_the_queues_a_user_is_in_come_back() -> None:
    recording = recorded_session()
    member_path = next(step.path for step in session_steps() if step.path.split("/")[-1].isdigit())
    record = next(
        e["response"]["body"]
        for e in exchanges_of(recording, "readExtension")
        if e["request"]["path"] == member_path
    )
    assert record["departments"]
    fixture = fixture_from_recording(recording)
    for department in record["departments"]:
        queue_id = int(department["uri"].rsplit("/", 1)[1])
        queue = _extension(fixture, queue_id)
        assert queue["type"] == "Department"
        assert queue["extensionNumber"] == department["extensionNumber"]
        assert {"id": record["id"]} in queue["queue"]["members"]
    directory = directory_from_dict(fixture)
    account = directory.accounts[0]
    assert [q.number for q in account.queues_of[record["id"]]] == [
        d["extensionNumber"] for d in record["departments"]
    ]


def test_a_call_seen_again_with_its_sip_data_keeps_it() -> None:
    """Calls first listed without sipData, then with it: both answers come back."""
    account = build_directory().accounts[0]
    user = next(e for e in account.extensions if e.type.is_user and e.active_calls).id
    detailed = {"detailedTelephonyState": "true"}
    recording = recorded_session(
        [
            Step("GET", f"{API}/extension/{user}/presence", detailed),
            Step("GET", f"{API}/extension/{user}/presence", {**detailed, "sipData": "true"}),
        ]
    )
    calls = _extension(fixture_from_recording(recording), user)["presence"]["activeCalls"]
    assert calls and all("sipData" in call for call in calls)
    report = drift.compare(recording, drift.emulator_answerer(recording))
    assert report.differences == {} and report.limits == {}, report.text()


def test_an_extension_seen_only_in_the_non_user_shape_is_no_user() -> None:
    """Presence reads and refused writes of extensions no directory answer typed: they read, and
    refuse, as recorded."""
    account = build_directory().accounts[0]
    others = [e for e in account.extensions if not e.type.is_user][:6]
    steps = [Step("GET", f"{API}/extension/~/presence", {})]
    for other in others:
        path = f"{API}/extension/{other.id}/presence"
        steps += [
            Step("GET", path, {"detailedTelephonyState": "true"}),
            Step("PUT", path, {}, {"userStatus": "Busy"}),
        ]
    recording = recorded_session(steps)
    assert {
        e["response"]["status"] for e in exchanges_of(recording, "updateUserPresenceStatus")
    } == {403}
    fixture = fixture_from_recording(recording)
    assert all(_extension(fixture, other.id)["type"] != "User" for other in others)
    report = drift.compare(recording, drift.emulator_answerer(recording))
    assert report.differences == {} and report.limits == {}, report.text()
