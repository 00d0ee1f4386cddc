"""Every Python package of the source tree is in the wheel: pyproject.toml lists packages by
hand (two come from other folders), so a new folder left out would install an emulator that
cannot import itself."""

from __future__ import annotations

import tomllib

from tests.support.paths import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_listed() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("mockserver", "presence_mock_kit")
        for init in (REPO / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages"
