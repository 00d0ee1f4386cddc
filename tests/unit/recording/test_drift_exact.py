"""Drift of a recording of the emulator against the emulator finds nothing; every kind of planted
difference is still found; what the recording itself explains is a limit, apart and not
counted; the JSON and JUnit reports."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest
from flask.testing import FlaskClient

from mockserver.directory.builder import build_directory
from mockserver.recording import drift
from mockserver.recording.drift_report import Report, json_schema
from mockserver.recording.replay import fixture_from_recording
from tests.support.recordings import (
    API,
    PLANTED,
    Step,
    change_error_code,
    exchanges_of,
    recorded_session,
    tampered,
)


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    logger = logging.getLogger("presence_mock")
    was, logger.disabled = logger.disabled, True
    yield
    logger.disabled = was


@pytest.fixture(scope="module")
def recording() -> dict[str, Any]:
    return recorded_session()


def _drift(recording: dict[str, Any]) -> Report:
    return drift.compare(recording, drift.emulator_answerer(recording))


def _found(report: Report) -> set[tuple[str, str, str]]:
    return set(report.differences)


def test_a_recording_of_the_emulator_drifts_nothing(recording: dict[str, Any]) -> None:
    report = _drift(recording)
    assert report.compared == len(recording["exchanges"]) == 15
    assert report.differences == {}, report.text()
    assert not report.drifted
    # The extension list was read 2 pages of 20 out of 3: the second page's link to the third
    # is a limit of the recording, with its reason.
    assert set(report.limits) == {
        ("listExtensions", "field", "body.navigation.nextPage"),
        ("listExtensions", "field", "body.navigation.nextPage.uri"),
    }
    reason = report.limits[("listExtensions", "field", "body.navigation.nextPage")].reason
    assert reason == (
        "the real listing holds 60 elements, the recording showed 40: "
        "pages never recorded are not in the fixture"
    )
    assert "0 difference(s), 2 limit(s) of the recording (not counted)" in report.text()


@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_each_planted_difference_is_found(recording: dict[str, Any], planted: str) -> None:
    change, key, real, emulator = PLANTED[planted]
    report = _drift(tampered(recording, change))
    assert report.drifted
    assert _found(report) == {key}, report.text()
    found = report.differences[key]
    assert found.reason is None
    assert found.real == real
    if emulator is not None:
        assert found.emulator == emulator
    # the request it was planted in fails, and no other
    failing = [case for case in report.cases if case.result == "drift"]
    assert len(failing) == 1 and failing[0].differences[0].key() == key


def _live(
    recording: dict[str, Any], change: Callable[[dict[str, Any]], None]
) -> Callable[[dict[str, Any]], drift.Answer]:
    """A live side (drift --target) answering as recorded, but `change`d on the way."""

    def real(exchange: dict[str, Any]) -> drift.Answer:
        answer = json.loads(json.dumps(exchange))
        change(answer)
        response = answer["response"]
        return drift.Answer(response["status"], response["headers"], response["body"])

    return real


def _now_found(recording: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """The extension the recording was refused (404) now answers, as a new user would, with an
    enum value the emulator never says."""
    first = next(exchanges_of(recording, "readUserPresenceStatus"))["response"]

    def change(exchange: dict[str, Any]) -> None:
        if exchange["response"]["status"] != 404:
            return
        user = json.loads(json.dumps(first["body"]))
        user["extension"]["id"] = 999999
        user["presenceStatus"] = "Away"
        exchange["response"] = {**first, "body": user}

    return change


def test_what_the_live_side_knows_and_the_recording_never_showed_is_a_limit(
    recording: dict[str, Any],
) -> None:
    real = _live(recording, _now_found(recording))
    report = drift.compare(recording, drift.emulator_answerer(recording), real)
    assert report.differences == {}, report.text()
    reason = "extension 999999 never appeared in a successful answer of the recording"
    assert report.limits[("readUserPresenceStatus", "status", "status")].reason == reason
    assert report.limits[("readUserPresenceStatus", "errorCode", "errorCode")].reason == reason
    enum = report.limits[("readUserPresenceStatus", "enum", "body.presenceStatus")]
    assert enum.real == ["Away"] and enum.reason == reason
    assert [case.result for case in report.cases].count("limit") == 2  # and the list's page 2


def test_calls_never_listed_are_a_limit(recording: dict[str, Any]) -> None:
    """A live side lists calls the recording only knew the status of: a limit, with the user."""
    page = next(exchanges_of(recording, "readAccountPresence"))
    record = next(
        r
        for r in page["response"]["body"]["records"]
        if r.get("telephonyStatus") == "CallConnected"
    )
    user = record["extension"]["id"]

    def real(exchange: dict[str, Any]) -> drift.Answer:
        response = exchange["response"]
        body = json.loads(json.dumps(response["body"]))
        if exchange is page:
            for item in body["records"]:
                if item["extension"]["id"] == user:
                    item["activeCalls"] = [{"id": "1", "telephonyStatus": "CallConnected"}]
        return drift.Answer(response["status"], response["headers"], body)

    report = drift.compare(recording, drift.emulator_answerer(recording), real)
    assert report.differences == {}, report.text()
    limit = report.limits[("readAccountPresence", "field", "body.records[].activeCalls")]
    assert f"the calls of extension {user} were never listed" in str(limit.reason)


def test_the_json_report(recording: dict[str, Any]) -> None:
    report = _drift(tampered(recording, PLANTED["field added"][0]))
    found = json.loads(report.json())
    jsonschema.Draft202012Validator(json_schema()).validate(found)
    assert set(found) == {
        "formatVersion",
        "drifted",
        "exchanges",
        "compared",
        "skipped",
        "summary",
        "differences",
        "limits",
        "requests",
    }
    assert found["formatVersion"] == 1 and found["drifted"] is True
    assert found["summary"] == {"field": 1}
    assert [limit["reason"] for limit in found["limits"]] == [
        report.limits[key].reason for key in report.limits
    ]
    requests = found["requests"]
    assert len(requests) == found["exchanges"] == 15
    assert [r["index"] for r in requests] == list(range(15))
    assert {r["result"] for r in requests} == {"same", "drift", "limit"}
    drifted = next(r for r in requests if r["result"] == "drift")
    assert drifted["operation"] == "readUserPresenceStatus"
    assert drifted["differences"] == [
        {"kind": "field", "where": "body.presenceSource", "real": "string", "emulator": None}
    ]
    paged = next(r for r in requests if r["result"] == "limit")
    assert paged["request"] == "GET /restapi/v1.0/account/~/extension?perPage=20&page=2"
    assert paged["limits"][0]["reason"].startswith("the real listing holds 60 elements")


def test_the_junit_report(recording: dict[str, Any]) -> None:
    report = _drift(tampered(recording, change_error_code))
    root = ElementTree.fromstring(report.junit())
    assert root.tag == "testsuites"
    (suite,) = root
    cases = suite.findall("testcase")
    assert len(cases) == len(recording["exchanges"]) == int(suite.get("tests", ""))
    failed = [case for case in cases if case.find("failure") is not None]
    assert len(failed) == 1 == int(suite.get("failures", "")) == int(root.get("failures", ""))
    failure = failed[0].find("failure")
    assert failure is not None
    assert failed[0].get("classname") == "drift.readUserPresenceStatus"
    assert failed[0].get("name") == "0013 GET /restapi/v1.0/account/~/extension/999999/presence"
    assert "errorCode errorCode: real XYZ-404, emulator CMN-102" in (failure.text or "")
    limited = [case for case in cases if case.find("system-out") is not None]
    assert len(limited) == 1
    assert "the real listing holds 60 elements" in (limited[0].findtext("system-out") or "")
    assert len({case.get("name") for case in cases}) == len(cases)


def test_a_request_not_asked_again_is_a_skipped_case(recording: dict[str, Any]) -> None:
    def health_check(recording: dict[str, Any]) -> None:
        recording["exchanges"].insert(
            0,
            {
                "operation": None,
                "request": {
                    "method": "GET",
                    "path": "/_mock/health",
                    "query": {},
                    "headers": {},
                    "body": None,
                },
                "response": {"status": 200, "headers": {}, "body": {"status": "ok"}},
            },
        )

    report = _drift(tampered(recording, health_check))
    root = ElementTree.fromstring(report.junit())
    skipped = [case for case in root.iter("testcase") if case.find("skipped") is not None]
    assert [case.get("name") for case in skipped] == ["0000 GET /_mock/health"]
    assert report.to_dict()["requests"][0]["result"] == "skipped"
    assert not report.drifted


def test_a_listing_seen_in_part_still_drifts_in_its_records(recording: dict[str, Any]) -> None:
    """The extension list was recorded 2 pages of 3: its links are a limit, not its records."""

    def planted(recording: dict[str, Any]) -> None:
        page = list(exchanges_of(recording, "listExtensions"))[1]
        page["response"]["body"]["records"][0]["costCenter"] = "7"

    report = _drift(tampered(recording, planted))
    assert set(report.differences) == {("listExtensions", "field", "body.records[].costCenter")}
    assert ("listExtensions", "field", "body.navigation.nextPage") in report.limits


def test_a_page_holding_other_records_is_a_limit(recording: dict[str, Any]) -> None:
    """Only the third page recorded: the emulator's third page is empty, for want of the
    first two."""

    def third_page_only(recording: dict[str, Any]) -> None:
        first, second = list(exchanges_of(recording, "listExtensions"))
        recording["exchanges"].remove(first)
        second["request"]["query"]["page"] = ["3"]
        body = second["response"]["body"]
        body["records"] = body["records"][:1]
        body["records"][0]["id"] = 620907999004
        body["records"][0]["extensionNumber"] = "999"
        body["records"][0]["uri"] = body["records"][0]["uri"].rsplit("/", 1)[0] + "/620907999004"
        body["paging"].update({"page": 3, "pageStart": 40, "pageEnd": 40})

    report = _drift(tampered(recording, third_page_only))
    assert report.differences == {}, report.text()
    assert ("listExtensions", "field", "body.records[].id") in report.limits


def test_an_enum_value_also_used_outside_a_limit_is_drift_there(
    recording: dict[str, Any],
) -> None:
    first = next(exchanges_of(recording, "readUserPresenceStatus"))
    now_found = _now_found(recording)

    def both(exchange: dict[str, Any]) -> None:
        now_found(exchange)
        if exchange["request"] == first["request"]:
            exchange["response"]["body"]["presenceStatus"] = "Away"

    report = drift.compare(recording, drift.emulator_answerer(recording), _live(recording, both))
    key = ("readUserPresenceStatus", "enum", "body.presenceStatus")
    assert set(report.differences) == {key}
    assert report.differences[key].example == first["request"]["method"] + " " + (
        first["request"]["path"] + "?detailedTelephonyState=true"
    )
    assert key in report.limits  # the request for the extension the recording never showed
    results = {case.index: case.result for case in report.cases}
    assert sorted(results.values()).count("drift") == 1


@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_every_json_report_follows_the_published_schema(
    recording: dict[str, Any], planted: str
) -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    validator.check_schema(json_schema())
    report = _drift(tampered(recording, PLANTED[planted][0])).to_dict()
    validator.validate(report)
    broken = {**report, "requests": [{**report["requests"][0], "result": "maybe"}]}
    assert not validator.is_valid(broken)


def test_parked_calls_are_a_limit() -> None:
    """A Park Location holding a parked call: a fixture gives non-users no calls."""
    account = build_directory().accounts[0]
    park = next(e for e in account.extensions if e.type.value == "ParkLocation")
    user = next(
        e
        for e in account.extensions
        if e.type.is_user
        and not e.active_calls
        and not e.admin
        and e.status == "Enabled"
        and e.settings.get("userStatus", "Available") == "Available"
        and e.settings.get("dndStatus", "TakeAllCalls") == "TakeAllCalls"
    )

    def parked(client: FlaskClient) -> None:
        placed = client.post("/_mock/calls", json={"from": "+16505550123", "to": user.number})
        call = placed.get_json()["telephonySessionId"]
        assert client.post(f"/_mock/calls/{call}/answer", json={}).status_code == 200
        parking = client.post(f"/_mock/calls/{call}/park", json={"location": park.number})
        assert parking.status_code == 200

    recording = recorded_session(
        [
            Step("GET", f"{API}/extension/~/presence", {}),
            Step("GET", f"{API}/extension/{park.id}/presence", {"detailedTelephonyState": "true"}),
        ],
        parked,
    )
    held = recording["exchanges"][-1]["response"]["body"]
    assert held["telephonyStatus"] == "ParkedCall" and held["activeCalls"]
    fixture_type = next(
        e["type"]
        for a in fixture_from_recording(recording)["accounts"]
        for e in a["extensions"]
        if e["id"] == park.id
    )
    assert fixture_type == "ParkLocation"
    report = _drift(recording)
    assert report.differences == {}, report.text()
    reasons = {limit.reason for limit in report.limits.values()}
    assert reasons == {f"extension {park.id} held parked calls, which a fixture cannot hold"}
    assert ("readUserPresenceStatus", "field", "body.telephonyStatus") in report.limits
