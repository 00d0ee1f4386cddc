"""The GitHub Actions workflows of docs/ci.md, read as the tests check them."""

from __future__ import annotations

import re
import shlex
from typing import Any

import yaml

from tests.support.paths import REPO

CI_DOC = REPO / "docs" / "ci.md"
_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)
# Where a command's own arguments end in a shell line.
_SHELL_ENDS = {">", ">>", "2>&1", "&", "|", "&&", "||", ";"}


def workflows() -> list[dict[str, Any]]:
    """Each ```yaml block of docs/ci.md, parsed (YAML 1.1 reads `on:` as True: kept as is)."""
    return [yaml.safe_load(block) for block in _BLOCK.findall(CI_DOC.read_text("utf-8"))]


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def step_named(workflow: dict[str, Any], name: str) -> dict[str, Any]:
    return next(step for step in steps(workflow) if step.get("name") == name)


def presence_mock_commands(script: str) -> list[list[str]]:
    """The argument lists of every `presence-mock` command in a shell script."""
    joined = script.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True, posix=True)
        while "presence-mock" in words:
            words = words[words.index("presence-mock") + 1 :]
            args: list[str] = []
            for word in words:
                if word in _SHELL_ENDS or word.startswith((">", "2>")):
                    break
                args.append(word)
            found.append(args)
    return found
