"""The benchmark and the tools import what they use from where it is now: a module moved in
the package or in tests/support breaks a script nobody runs in the suite otherwise."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

BENCH = sorted(p.stem for p in (REPO / "bench").glob("*.py") if p.stem != "__init__")
TOOLS = sorted((REPO / "tools").glob("*.py"))


@pytest.mark.parametrize("name", BENCH)
def test_a_bench_module_imports(name: str) -> None:
    importlib.import_module(f"bench.{name}")


@pytest.mark.parametrize("path", TOOLS, ids=lambda p: p.name)
def test_a_tool_imports(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location(f"tool_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
