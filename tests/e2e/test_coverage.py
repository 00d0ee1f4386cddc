"""The coverage report of a small sample client run, from a live `serve`'s journal
through `presence-mock coverage` (table, JSON and JUnit XML)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from ringcentral.http.api_exception import ApiException

from mockserver.coverage import COVERED, OperationCoverage, coverage_of
from tests.support.live_server import COMMAND, serving
from tests.support.login import sdk_platform


def sample_client_run(url: str) -> None:
    """What a small client test suite might do: log in, read presence a few ways, write once,
    stumble on a 404 and a 503."""
    platform = sdk_platform(url)
    platform.get("/restapi/v1.0/account/~/extension/~/presence", {"detailedTelephonyState": "true"})
    listed = platform.get("/restapi/v1.0/account/~/extension").json_dict()
    ids = ",".join(str(r["id"]) for r in listed["records"][:2])
    platform.get(f"/restapi/v1.0/account/~/extension/{ids}/presence")
    platform.get("/restapi/v1.0/account/~/presence", {"page": 2, "perPage": 5})
    platform.put("/restapi/v1.0/account/~/extension/~/presence", {"userStatus": "Busy"})
    for path, headers in (
        ("/restapi/v1.0/account/~/extension/1/presence", None),
        ("/restapi/v1.0/account/~", {"Prefer": "fault=503"}),
    ):
        with pytest.raises(ApiException):
            platform.get(path, headers=headers)


def test_the_coverage_of_a_sample_run(tmp_path: Path) -> None:
    with serving(tmp_path) as url:
        sample_client_run(url)
        ran = subprocess.run(
            [
                COMMAND,
                "coverage",
                "--target",
                url,
                "--json",
                str(tmp_path / "coverage.json"),
                "--junit",
                str(tmp_path / "coverage.xml"),
            ],
            capture_output=True,
            text=True,
        )
    assert ran.returncode == 0, ran.stderr
    table = ran.stdout
    assert "readUserPresenceStatus" in table and "coverage:" in table
    report = json.loads((tmp_path / "coverage.json").read_text())
    by_name = {row["operation"]: row for row in report["operations"]}
    read = by_name["readUserPresenceStatus"]
    assert read["calls"] == 3
    assert read["statuses"] == {"200": 1, "207": 1, "404": 1}
    assert read["errorCodes"] == {"CMN-102": 1}
    assert read["options"] == {"detailedTelephonyState=true": 1, "sipData=true": 0, "batch": 1}
    assert by_name["readAccountPresence"]["options"] == {
        "detailedTelephonyState=true": 0,
        "sipData=true": 0,
        "page": 1,
        "perPage": 1,
    }
    assert by_name["readAccountInfo"]["errorCodes"] == {"CMN-201": 1}
    assert by_name["readAccountInfo"]["faults"] == {"503": 1}
    assert by_name["getToken"]["statuses"] == {"200": 1}
    assert by_name["updateUserPresenceStatus"]["calls"] == 1
    assert by_name["readUnifiedPresence"]["calls"] == 0
    assert "readUnifiedPresence" in report["missing"]
    assert "readUserPresenceStatus sipData=true" in report["missing"]
    # 6 operations called and 4 of their options used: 10 items, of every operation of the
    # route table and every option each has (the table grows with the issues).
    every = sum(1 + len(OperationCoverage(op).possible()) for op in COVERED)
    assert (report["covered"], report["items"]) == (10, every)
    suite = ElementTree.parse(tmp_path / "coverage.xml").getroot()[0]
    assert suite.get("tests") == str(every) and suite.get("skipped") == str(every - 10)
    skipped = {case.get("name") for case in suite if case.find("skipped") is not None}
    assert "listExtensionActiveCalls" in skipped and "listExtensions" not in skipped


def test_event_filters_and_fail_under() -> None:
    entries = [
        {
            "method": "GET",
            "path": "/restapi/v1.0/account/~/extension/~/presence",
            "status": 200,
            "query": {},
        },
        {"method": "GET", "path": "/nowhere", "status": 404, "query": {}},
        {
            "method": "POST",
            "path": "/restapi/v1.0/subscription",
            "status": 200,
            "query": {},
            "eventFilters": ["/restapi/v1.0/account/~/extension/~/presence"],
        },
    ]
    found = coverage_of(entries)
    assert found.unmatched == 1  # /nowhere
    assert found.operations["createSubscription"].calls == 1
    assert found.operations["readUserPresenceStatus"].calls == 1
    assert found.ratio() < 0.5
