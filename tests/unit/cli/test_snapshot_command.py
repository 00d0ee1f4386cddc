"""`presence-mock snapshot check|schema`, and the refusals of `export`/`import` that need no
server: one line each, exit 2 (a bad file is refused before anything is sent), exit 1 when
the server does not answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockserver.cli.main import main
from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.snapshots import export_bytes
from tests.support.live_server import free_port


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "empty.json"
    path.write_bytes(export_bytes(Emulator.from_settings(Settings())))
    return path


def _one_line(text: str) -> str:
    assert text.count("\n") == 1 and "Traceback" not in text, text
    return text


def test_check_says_a_good_file_is_good(snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "check", str(snapshot)]) == 0
    assert "a valid snapshot, version 1" in capsys.readouterr().out


def test_schema_prints_the_published_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["$id"] == "urn:presence-mock:snapshot:1"
    assert printed["properties"]["format"] == {"const": "presence-mock-snapshot"}


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"[1, 2", "not valid JSON"),
        (b'{"format": "presence-mock-snapshot", "version": "1"}', 'version "1" is not read'),
        (b'{"format": "something-else"}', "not a presence-mock snapshot"),
        (b"[" * 40 + b"]" * 40, "nested deeper than 32 levels"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2(
    content: bytes, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    assert main(["snapshot", "check", str(bad)]) == 2
    assert said in _one_line(capsys.readouterr().err)
    # Refused before anything is sent: no server listens there, yet the answer is exit 2, not 1.
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["snapshot", "import", str(bad), "--url", url]) == 2
    assert said in _one_line(capsys.readouterr().err)


def test_a_schema_error_names_the_field(
    snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(snapshot.read_text())
    data["events"]["position"] = -1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert main(["snapshot", "check", str(bad)]) == 2
    assert "$.events.position: -1 is less than the minimum of 0" in capsys.readouterr().err


def test_a_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "check", str(tmp_path / "none.json")]) == 2
    assert "none.json: cannot read" in _one_line(capsys.readouterr().err)


def test_a_server_that_does_not_answer_is_exit_1(
    snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["snapshot", "export", str(tmp_path / "out.json"), "--url", url]) == 1
    assert url in _one_line(capsys.readouterr().err)
    assert main(["snapshot", "import", str(snapshot), "--url", url]) == 1
    assert not (tmp_path / "out.json").exists()


def test_the_url_variable_is_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("PRESENCE_MOCK_URL", url)
    assert main(["snapshot", "export", str(tmp_path / "out.json")]) == 1
    assert url in capsys.readouterr().err


def test_serve_refuses_fixture_and_import_together(
    snapshot: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = str(snapshot)
    code = main(["serve", "--port", "0", "--import", str(snapshot), "--fixture", fixture])
    assert code == 2
    assert "give --fixture or --import, not both" in _one_line(capsys.readouterr().err)
