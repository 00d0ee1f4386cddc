"""The tests are laid out like the code: in-process tests under tests/unit/<package>/, tests
that start real processes under tests/e2e/, browser tests under tests/browser/, the corpus of the
platform's recorded answers and its in-process replay under tests/recorded/, what they share
under tests/support/; no test module imports another."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import REPO

TESTS = REPO / "tests"
FOLDERS = ("unit", "e2e", "browser", "recorded")


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "node_modules" not in p.parts)


def imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_every_test_module_is_in_its_folder() -> None:
    misplaced = [
        str(p.relative_to(TESTS))
        for p in python_files()
        if p.name.startswith("test_") and p.relative_to(TESTS).parts[0] not in FOLDERS
    ]
    assert misplaced == []
    units = [p for p in (TESTS / "unit").glob("test_*.py")]
    assert units == [], "tests/unit/ holds one folder per package"


def test_no_test_module_imports_another() -> None:
    found = {
        str(p.relative_to(TESTS)): sorted(
            name
            for name in imported(p)
            if name.startswith("tests.")
            and any(part.startswith("test_") or part == "conftest" for part in name.split("."))
        )
        for p in python_files()
    }
    assert {path: names for path, names in found.items() if names} == {}


def test_unit_tests_start_no_server() -> None:
    starters = {"serving", "running", "started", "two_replicas", "COMMAND"}
    starting = {
        str(p.relative_to(TESTS))
        for p in (TESTS / "unit").rglob("test_*.py")
        if {f"tests.support.live_server.{name}" for name in starters} & imported(p)
    }
    assert starting == set(), "a test that starts `presence-mock` belongs in tests/e2e"
