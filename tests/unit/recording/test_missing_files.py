"""A recording or journal file that cannot be read is one line naming it and exit 2, never a
traceback: `replay`, `drift` and `coverage --journal` all read through the same function."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.cli import main


@pytest.mark.parametrize(
    "command", [["replay"], ["drift"], ["coverage", "--journal"]], ids=lambda c: c[0]
)
@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_an_unreadable_file_is_one_line_and_exit_2(
    command: list[str], kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "missing.json" if kind == "missing" else tmp_path
    assert main([*command, str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"presence-mock: {path}: cannot read: " + lines[0].rsplit(": ", 1)[1]]
    assert ("No such file" if kind == "missing" else "directory") in lines[0]
