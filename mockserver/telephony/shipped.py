"""The example scenarios shipped inside the package, found by name (`scenario run inbound-call`).

They are the `scenario-*.yaml|json` files of `fixtures/` in a checkout, installed as the package
data `mockserver._fixtures`, so they are there wherever the package is (the container image keeps
nothing of the source tree). A name is the file's name without `scenario-` and its suffix.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from mockserver.inputs import did_you_mean
from mockserver.telephony.scenario import ScenarioError

PREFIX = "scenario-"
SUFFIXES = (".yaml", ".yml", ".json")
_PACKAGED = "mockserver._fixtures"


def _directories() -> Iterator[Path]:
    here = Path(__file__).resolve().parents[1]
    yield here.parent / "fixtures"  # a checkout, or an editable install
    yield here / "_fixtures"  # the package data of a normal install
    try:
        found = resources.files(_PACKAGED)
    except ModuleNotFoundError:
        return
    if isinstance(found, Path):
        yield found


def shipped() -> dict[str, Path]:
    """Every shipped scenario by name, sorted by name."""
    for directory in _directories():
        files = [
            path
            for path in directory.glob(PREFIX + "*")
            if path.suffix in SUFFIXES and path.is_file()
        ]
        if files:
            return {_name(path): path for path in sorted(files, key=_name)}
    return {}


def _name(path: Path) -> str:
    return path.stem.removeprefix(PREFIX)


def resolve(given: str) -> str:
    """A scenario file's path: `given` itself when it is a file, else the shipped scenario it
    names (`inbound-call`, or its file name `scenario-inbound-call.yaml`); else ScenarioError
    in one line, with the closest name."""
    if Path(given).is_file():
        return given
    found = shipped()
    name = _name(Path(given)) if Path(given).suffix in SUFFIXES else given.removeprefix(PREFIX)
    if name in found:
        return str(found[name])
    raise ScenarioError(
        f"{given}: no such file, nor a shipped scenario{did_you_mean(name, found)}; "
        "`presence-mock scenario list` names them"
    )
