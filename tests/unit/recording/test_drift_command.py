"""`presence-mock drift` and `replay` as commands: the output formats, the exit status, and one
line with exit 2 for a recording that is not shaped as the format says."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from mockserver.cli.main import main
from mockserver.recording.exchange import save
from tests.support.recordings import PLANTED, recorded_session, tampered


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    logger = logging.getLogger("presence_mock")
    was = logger.disabled
    yield
    logger.disabled = was


@pytest.fixture(scope="module")
def recording() -> dict[str, Any]:
    return recorded_session()


def _saved(tmp_path: Path, recording: dict[str, Any]) -> str:
    path = tmp_path / "recording.json"
    save(path, recording)
    return str(path)


@pytest.mark.parametrize("form", ["text", "json", "junit"])
def test_each_format_and_the_json_file(
    recording: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    out = tmp_path / "drift.json"
    status = main(["drift", _saved(tmp_path, recording), "--format", form, "--json", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    assert report["drifted"] is False and len(report["limits"]) == 2
    if form == "text":
        assert printed.startswith("drift: 15 of 15 requests compared, 0 difference(s)")
    elif form == "json":
        assert json.loads(printed) == report
    else:
        root = ElementTree.fromstring(printed)
        assert root.get("tests") == "15" and root.get("failures") == "0"


def test_drift_exits_1_on_a_planted_difference(
    recording: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _saved(tmp_path, tampered(recording, PLANTED["type changed"][0]))
    assert main(["drift", path, "--json", str(tmp_path / "drift.json")]) == 1
    assert "type      body.federated: real string, emulator boolean" in capsys.readouterr().out


BROKEN = {
    "no request": ({"operation": "getToken"}, "exchanges[0].request: expected an object"),
    "a text status": (
        {
            "operation": None,
            "request": {"method": "GET", "path": "/", "query": {}, "headers": {}},
            "response": {"status": "200", "headers": {}},
        },
        "exchanges[0].response.status: expected int",
    ),
    "not an object": ([], "exchanges[0]: expected an object"),
}


@pytest.mark.parametrize("command", ["drift", "replay"])
@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_a_malformed_recording_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, broken: str
) -> None:
    exchange, expected = BROKEN[broken]
    path = tmp_path / "recording.json"
    path.write_text(json.dumps({"formatVersion": 1, "exchanges": [exchange]}))
    argv = [command, str(path)]
    if command == "drift":
        argv += ["--json", str(tmp_path / "drift.json")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"presence-mock: {path}: not a presence-mock recording: {expected}"
    ]


@pytest.mark.parametrize("command", ["drift", "replay"])
def test_a_recording_with_no_user_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    token_only = {**recorded_session([]), "exchanges": recorded_session([])["exchanges"][:1]}
    path = _saved(tmp_path, token_only)
    argv = [command, path]
    if command == "drift":
        argv += ["--json", str(tmp_path / "drift.json")]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"presence-mock: {path}: no user of any account in the recording (an account needs one: "
        "record a presence read, the extension list or an extension's own record), nothing to "
        "replay"
    ]
