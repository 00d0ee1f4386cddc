"""What the `presence_mock_server` fixture gives `serve`, and the secret its `reset()` sends."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mockserver.inprocess.served import _controls_token, serve_command


def test_serve_runs_on_free_loopback_ports_with_the_ready_and_credentials_files(tmp_path: Path):
    command = serve_command(["--seed", "7"], tmp_path / "r.json", tmp_path / "c.json")
    assert command[:4] == [sys.executable, "-m", "mockserver.cli.main", "serve"]
    pairs = dict(zip(command[4:-2:2], command[5:-2:2], strict=True))
    assert pairs == {
        "--host": "127.0.0.1",
        "--port": "0",
        "--gateway-port": "0",
        "--ready-file": str(tmp_path / "r.json"),
        "--credentials-file": str(tmp_path / "c.json"),
    }
    assert command[-2:] == ["--seed", "7"]  # the user's options last: they win


def test_the_controls_token_comes_from_the_flag_its_file_or_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    secret = tmp_path / "token"
    secret.write_text("from-file\n")
    monkeypatch.setenv("PRESENCE_MOCK_CONTROLS_TOKEN", "from-env")
    assert _controls_token(["--controls", "token", "--controls-token", "flag"]) == "flag"
    assert _controls_token(["--controls-token=flag2"]) == "flag2"
    assert _controls_token(["--controls-token-file", str(secret)]) == "from-file"
    assert _controls_token([]) == "from-env"
    monkeypatch.delenv("PRESENCE_MOCK_CONTROLS_TOKEN")
    assert _controls_token(["--seed", "7"]) is None
