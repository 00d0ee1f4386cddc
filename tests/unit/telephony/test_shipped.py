"""The example scenarios ship inside the package and are found by name (decision CLI-7)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from mockserver.telephony.scenario import ScenarioError, load
from mockserver.telephony.shipped import resolve, shipped
from tests.support.paths import REPO

NAMES = [
    "inbound-call",
    "internal-transfer",
    "meeting-and-warm-transfer",
    "park-and-pickup",
    "queue-call",
]


def test_the_examples_are_shipped_by_name_and_each_loads():
    found = shipped()
    assert list(found) == NAMES
    for path in found.values():
        assert tuple(load(path).steps)


def test_they_are_package_data_of_every_install():
    """pyproject's package data takes every one into the wheel (the image installs the wheel
    and deletes the source tree)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    assert setuptools["package-dir"]["mockserver._fixtures"] == "fixtures"
    globs = setuptools["package-data"]["mockserver._fixtures"]
    for path in shipped().values():
        assert any(fnmatch.fnmatch(path.name, glob) for glob in globs), path.name


@pytest.mark.parametrize(
    "given", ["inbound-call", "scenario-inbound-call.yaml", "scenario-inbound-call"]
)
def test_a_name_or_a_file_name_finds_the_shipped_file(given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no such file here
    assert Path(resolve(given)) == shipped()["inbound-call"]


def test_a_file_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inbound-call").write_text("name: mine\nsteps: []\n")
    assert resolve("inbound-call") == "inbound-call"


def test_an_unknown_name_is_one_line_with_the_closest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as refused:
        resolve("queue-cal")
    said = str(refused.value)
    assert "did you mean queue-call?" in said and "scenario list" in said and "\n" not in said
