"""record -> replay -> drift of the emulator against the same emulator finds nothing: a realistic
session (reads and writes) recorded through a real `presence-mock record` in front of a real
`presence-mock serve`, both on free loopback ports; every kind of planted difference makes drift
exit 1; the JSON and JUnit reports of the command."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest
import requests
from ringcentral import SDK

from mockserver.directory.fixtures import directory_from_dict
from mockserver.recording.drift_report import json_schema
from mockserver.recording.exchange import load, save
from tests.support.live_server import COMMAND, free_port, running
from tests.support.recordings import PLANTED, session_steps, tampered


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The session recorded through `record --target` in front of `serve`; the server stays up
    for drift --target."""
    folder = tmp_path_factory.mktemp("drift")
    out = folder / "recording.json"
    port = free_port()
    with running([COMMAND, "serve", "--port", str(port), "--workers", "1"], port, folder) as server:
        printed = subprocess.run(
            [COMMAND, "credentials", "--json"], capture_output=True, check=True
        )
        login = json.loads(printed.stdout)
        proxy_port = free_port()
        command = [COMMAND, "record", "--target", server, "--out", str(out)]
        with running([*command, "--port", str(proxy_port)], proxy_port, folder) as proxy:
            platform = SDK(login["clientId"], login["clientSecret"], proxy).platform()
            platform.login(jwt=login["jwt"])
            token = platform.auth().data()["access_token"]
            for step in session_steps():
                answer = requests.request(
                    step.method,
                    proxy + step.path,
                    params=step.query,
                    json=step.body,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=10,
                )
                assert answer.status_code in (200, 207, 400, 404), answer.text
        yield {"path": out, "folder": folder, "server": server, "login": login}


def _drift(recording: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "drift", str(recording), *options], capture_output=True, text=True, timeout=120
    )


def test_the_session_is_recorded_whole(recorded: dict[str, Any]) -> None:
    operations = [e["operation"] for e in load(recorded["path"])["exchanges"]]
    assert operations.count("getToken") == 1
    assert operations.count("updateUserPresenceStatus") == 2
    assert operations.count("listExtensions") == operations.count("readAccountPresence") == 2
    assert {"readAccountInfo", "readExtension", "readUserPresenceStatus"} <= set(operations)


def test_replay_writes_a_fixture_of_the_account_before_the_writes(
    recorded: dict[str, Any],
) -> None:
    fixture = recorded["folder"] / "fixture.json"
    subprocess.run([COMMAND, "replay", str(recorded["path"]), "--out", str(fixture)], check=True)
    directory = directory_from_dict(json.loads(fixture.read_text()))
    written = next(step for step in session_steps() if step.method == "PUT")
    user = int(written.path.split("/")[-2])
    settings = next(e for e in directory.accounts[0].extensions if e.id == user).settings
    assert written.body["dndStatus"] == "DoNotAcceptAnyCalls" != settings.get("dndStatus")
    assert written.body["message"] != settings.get("message", "") == ""


def test_drift_of_the_emulator_against_itself_is_zero(
    recorded: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "drift.json"
    ran = _drift(recorded["path"], "--json", str(out))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    report = json.loads(out.read_text())
    assert report["differences"] == [] and report["drifted"] is False
    assert report["compared"] == len(session_steps()) + 1
    # What the recording could not know: the third page of the extension list.
    assert {(d["operation"], d["where"]) for d in report["limits"]} == {
        ("listExtensions", "body.navigation.nextPage"),
        ("listExtensions", "body.navigation.nextPage.uri"),
    }
    assert "0 difference(s), 2 limit(s) of the recording (not counted)" in ran.stdout
    assert "why: the real listing holds 60 elements, the recording showed 40" in ran.stdout


def test_drift_against_the_live_emulator_is_zero(recorded: dict[str, Any], tmp_path: Path) -> None:
    """Asked again from the state the recording started in (a reset undoes its writes)."""
    server, login = recorded["server"], recorded["login"]
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    out = tmp_path / "drift.json"
    ran = _drift(
        recorded["path"],
        "--target",
        server,
        "--client-id",
        login["clientId"],
        "--client-secret",
        login["clientSecret"],
        "--jwt",
        login["jwt"],
        "--json",
        str(out),
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads(out.read_text())["differences"] == []


@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_each_planted_difference_fails_drift(
    recorded: dict[str, Any], tmp_path: Path, planted: str
) -> None:
    change, key, real, _ = PLANTED[planted]
    path = tmp_path / "tampered.json"
    save(path, tampered(load(recorded["path"]), change))
    ran = _drift(path, "--format", "json", "--json", str(tmp_path / "drift.json"))
    assert ran.returncode == 1, ran.stdout + ran.stderr
    report = json.loads(ran.stdout)
    jsonschema.Draft202012Validator(json_schema()).validate(report)
    assert [(d["operation"], d["kind"], d["where"]) for d in report["differences"]] == [key]
    assert report["differences"][0]["real"] == real
    assert report["summary"] == {key[1]: 1}


def test_a_fault_on_the_live_side_fails_drift(recorded: dict[str, Any], tmp_path: Path) -> None:
    """A live target that answers readAccountInfo with 503 (a chaos rule): the status and the
    error code drift."""
    server, login = recorded["server"], recorded["login"]
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    rules = {"rules": [{"operation": "readAccountInfo", "fault": "503"}]}
    requests.put(f"{server}/_mock/chaos", json=rules, timeout=10).raise_for_status()
    try:
        ran = _drift(
            recorded["path"],
            "--target",
            server,
            "--client-id",
            login["clientId"],
            "--client-secret",
            login["clientSecret"],
            "--jwt",
            login["jwt"],
            "--format",
            "json",
            "--json",
            str(tmp_path / "drift.json"),
        )
    finally:
        requests.delete(f"{server}/_mock/chaos", timeout=10).raise_for_status()
    assert ran.returncode == 1, ran.stdout + ran.stderr
    found = {(d["operation"], d["kind"]): d for d in json.loads(ran.stdout)["differences"]}
    assert set(found) >= {("readAccountInfo", "status"), ("readAccountInfo", "errorCode")}
    assert (
        found["readAccountInfo", "status"]["real"],
        found["readAccountInfo", "status"]["emulator"],
    ) == (503, 200)
    assert found["readAccountInfo", "errorCode"]["real"] == "CMN-201"


def test_the_junit_report_has_a_case_per_request(recorded: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "tampered.json"
    save(path, tampered(load(recorded["path"]), PLANTED["error code changed"][0]))
    ran = _drift(path, "--format", "junit", "--json", str(tmp_path / "drift.json"))
    assert ran.returncode == 1, ran.stderr
    root = ElementTree.fromstring(ran.stdout)
    cases = list(root.iter("testcase"))
    exchanges = load(path)["exchanges"]
    assert len(cases) == len(exchanges) == int(root.get("tests", ""))
    failed = [case for case in cases if case.find("failure") is not None]
    assert [case.get("classname") for case in failed] == ["drift.readUserPresenceStatus"]
    assert root.get("failures") == "1"
    assert "XYZ-404" in (failed[0].findtext("failure") or "")


def test_an_unknown_format_is_one_line(recorded: dict[str, Any]) -> None:
    ran = _drift(recorded["path"], "--format", "yaml")
    assert ran.returncode == 2
    assert "invalid choice: 'yaml'" in ran.stderr and "Traceback" not in ran.stderr


def test_a_reader_that_stops_early_gets_no_traceback(recorded: dict[str, Any]) -> None:
    """`drift ... | head`: the pipe closes before the report is printed; the status still says
    whether anything drifted."""
    process = subprocess.Popen(
        [COMMAND, "drift", str(recorded["path"]), "--format", "junit", "--json", os.devnull],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before drift has printed anything: it takes a second to compare
    assert process.wait(timeout=120) == 0
    assert b"Traceback" not in process.stderr.read()
