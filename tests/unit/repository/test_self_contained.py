"""The repository needs nothing beside it: no file reaches for a ../shared folder."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.paths import REPO

SKIPPED_DIRS = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache"}
# `../shared/...` in text, or a path built as `... / "shared" / ...` in Python.
OUTSIDE = re.compile(r"\.\./shared\b|[\"']shared[\"']\s*/")


def text_files() -> list[Path]:
    found = []
    for path in REPO.rglob("*"):
        parts = set(path.relative_to(REPO).parts)
        if parts & SKIPPED_DIRS or any(p.endswith(".egg-info") for p in parts):
            continue
        if path.is_file() and path != Path(__file__) and path.suffix != ".json":
            found.append(path)
    return found


def test_no_file_refers_to_a_shared_folder_beside_the_repository() -> None:
    offending = []
    for path in text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offending.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offending, "\n".join(offending)


def test_the_spec_is_in_the_repository() -> None:
    assert (REPO / "spec" / "ringcentral-presence-openapi.yml").is_file()
    assert "2026-11-30" in (REPO / "spec" / "README.md").read_text(encoding="utf-8")
