"""`serve` refuses a fixture or scenario file over the limits at start, in one line."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.answers import YAML_ALIAS_BOMB, assert_one_line
from tests.support.live_server import COMMAND


def test_serve_refuses_a_bomb_and_a_deep_fixture_at_start(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(YAML_ALIAS_BOMB)
    deep = tmp_path / "deep.json"
    deep.write_text('{"version": 1, "accounts": ' + "[" * 5000 + "]" * 5000 + "}")
    for option, path, needle in (
        ("--scenario", bomb, "YAML aliases"),
        ("--fixture", deep, "nested deeper than 32 levels"),
    ):
        refused = subprocess.run(
            [COMMAND, "serve", "--port", "0", option, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 2, refused.stderr
        said = [line for line in refused.stderr.splitlines() if line.startswith("presence-mock: ")]
        assert len(said) == 1, refused.stderr  # (beside the start-up log lines)
        assert_one_line(said[0], str(path), needle)
