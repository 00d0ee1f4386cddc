"""Secrets kept off the command line: `--controls-token` and `--credentials-secret` are read from
a file (`--controls-token-file`, `--credentials-secret-file`, and their PRESENCE_MOCK_ twins) or
from the environment; given as flags they still work, with a one-line warning that `ps` shows
them to every user of the machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockserver.cli.main import _parser, main, settings_from

SECRET = "a-secret-kept-in-a-file-0123456789"
TOKEN = "a-controls-token-kept-in-a-file-42"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret"
    path.write_text(SECRET + "\n")
    path.chmod(0o600)
    return path


def credentials_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[dict, str]:
    assert main(["credentials", "--json", *argv]) == 0
    printed = capsys.readouterr()
    return json.loads(printed.out), printed.err


def test_the_secret_file_gives_the_same_credentials_as_the_flag(capsys, secret_file):
    from_flag, warned = credentials_json(capsys, "--credentials-secret", SECRET)
    from_file, quiet = credentials_json(capsys, "--credentials-secret-file", str(secret_file))
    assert from_file == from_flag
    assert from_file["clientSecret"] != credentials_json(capsys)[0]["clientSecret"]
    assert "--credentials-secret is visible to every user" in warned
    assert warned.count("\n") == 1
    assert quiet == ""


def test_the_environment_names_the_file_or_the_secret(capsys, monkeypatch, secret_file):
    from_flag, _ = credentials_json(capsys, "--credentials-secret", SECRET)
    monkeypatch.setenv("PRESENCE_MOCK_CREDENTIALS_SECRET_FILE", str(secret_file))
    from_file, quiet = credentials_json(capsys)
    assert (from_file, quiet) == (from_flag, "")
    monkeypatch.delenv("PRESENCE_MOCK_CREDENTIALS_SECRET_FILE")
    monkeypatch.setenv("PRESENCE_MOCK_CREDENTIALS_SECRET", SECRET)
    assert credentials_json(capsys) == (from_flag, "")


def test_the_controls_token_file_is_read(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\r\n")
    args = _parser().parse_args(
        ["serve", "--controls", "token", "--controls-token-file", str(path)]
    )
    settings = settings_from(args)
    assert settings.controls_token == TOKEN
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--credentials-secret-file", "/nonexistent/secret"], "No such file or directory"),
        (["--credentials-secret-file", "EMPTY"], "the first line is empty"),
        (
            ["--credentials-secret-file", "FILE", "--credentials-secret", SECRET],
            "give one of them",
        ),
    ],
)
def test_a_bad_secret_file_is_one_line(capsys, tmp_path, secret_file, argv, expected):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    argv = [{"EMPTY": str(empty), "FILE": str(secret_file)}.get(a, a) for a in argv]
    assert main(["credentials", *argv]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "warning" not in line]
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in err
    assert SECRET not in lines[0]


def test_the_scenario_player_gets_the_token_not_the_file(monkeypatch, tmp_path):
    """`serve --scenario` hands the controls token to its player through the environment; a
    token file named there too would make the player refuse two sources."""
    from mockserver.config import Settings
    from mockserver.runtime import companions as calls

    path = tmp_path / "token"
    path.write_text(TOKEN)
    monkeypatch.setenv("PRESENCE_MOCK_CONTROLS_TOKEN_FILE", str(path))
    started: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(calls, "load", lambda _: None)
    monkeypatch.setattr(
        calls.subprocess, "Popen", lambda command, env: started.append((command, env))
    )
    settings = Settings(controls="token", controls_token=TOKEN, scenario="inbound-call")
    calls.companions(settings)
    ((command, env),) = started
    assert env["PRESENCE_MOCK_CONTROLS_TOKEN"] == TOKEN
    assert "PRESENCE_MOCK_CONTROLS_TOKEN_FILE" not in env
    assert not any(TOKEN in part for part in command)  # never an argument
    assert all(
        TOKEN not in part for part in calls.companions.__code__.co_consts if isinstance(part, str)
    )
