"""The README's Quick start is two command lines, `.ci/run` runs the second, and `dev.py`
refuses what it does not know in one line before installing anything."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO

ROOT = REPO


def quick_start() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Quick start\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]


def test_the_quick_start_is_two_command_lines() -> None:
    commands = [b.strip() for b in re.findall(r"```sh\n(.*?)```", quick_start(), re.S)]
    assert commands == ["python3 dev.py serve", "python3 dev.py test"]


def test_ci_runs_the_second_line_last() -> None:
    lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-1] == "python3 dev.py test"


def test_dev_py_refuses_an_unknown_verb_in_one_line(tmp_path: Path) -> None:
    for argv in ([], ["srve"], ["setup", "extra"]):
        done = subprocess.run(
            [sys.executable, str(ROOT / "dev.py"), *argv],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=tmp_path,
        )
        assert done.returncode == 1
        assert done.stderr.strip().splitlines() == [
            "usage: python3 dev.py serve|test [options passed on] | setup"
        ]
        assert done.stdout == ""
