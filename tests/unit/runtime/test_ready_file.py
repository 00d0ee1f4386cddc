"""What `serve --ready-file` writes, and where a client on this machine finds each part."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockserver.config import ConfigError, Settings
from mockserver.runtime.ready import ReadyFile, client_host, contents, prepare, write_atomically


def test_names_every_url_and_the_pid():
    settings = Settings(port=9100, gateway_port=9200)
    assert contents(settings, 42) == {
        "url": "http://127.0.0.1:9100",
        "gatewayUrl": "http://127.0.0.1:9200",
        "websocketUrl": "ws://127.0.0.1:9200/ws",
        "boardUrl": "http://127.0.0.1:9100/_mock/board",
        "pid": 42,
    }


def test_no_board_url_without_the_board():
    assert contents(Settings(port=1, gateway_port=2, board=False), 1)["boardUrl"] is None


@pytest.mark.parametrize(
    ("bound", "reached"),
    [("0.0.0.0", "127.0.0.1"), ("::", "[::1]"), ("::1", "[::1]"), ("127.0.0.5", "127.0.0.5")],
)
def test_a_wildcard_address_is_reached_on_loopback(bound, reached):
    assert client_host(bound) == reached


def test_a_stale_file_is_removed_before_start(tmp_path: Path):
    stale = tmp_path / "ready.json"
    stale.write_text('{"pid": 1}')
    prepare(str(stale))
    assert not stale.exists()


def test_a_missing_directory_is_one_line(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"--ready-file .*: no such directory"):
        prepare(str(tmp_path / "nowhere" / "ready.json"))


def test_written_whole_or_not_at_all(tmp_path: Path):
    target = tmp_path / "ready.json"
    write_atomically(target, json.dumps({"url": "x"}))
    assert json.loads(target.read_text()) == {"url": "x"}
    assert [p.name for p in tmp_path.iterdir()] == ["ready.json"]  # no scratch file left


def test_not_written_while_nothing_answers(tmp_path: Path):
    from tests.support.live_server import free_port

    settings = Settings(port=free_port(), gateway_port=free_port())
    ready = ReadyFile(str(tmp_path / "ready.json"), settings)
    ready.start()
    ready.remove()
    assert not (tmp_path / "ready.json").exists()
