"""The snapshot format: the published schema accepts what an export writes, the canonical text,
and the order in which a bad file is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from mockserver.config import Settings
from mockserver.directory.fixtures import fixture_schema
from mockserver.emulator import Emulator
from mockserver.snapshots import SnapshotError, export_snapshot, parse, render, schema
from mockserver.snapshots.state import directory_of
from tests.support.snapshots import build_office


@pytest.fixture(scope="module")
def office() -> dict[str, Any]:
    emulator = Emulator.from_settings(Settings())
    build_office(emulator)
    return export_snapshot(emulator)


def _published() -> Draft202012Validator:
    both = [(s["$id"], Resource.from_contents(s)) for s in (fixture_schema(), schema())]
    return Draft202012Validator(schema(), registry=Registry().with_resources(both))


def test_the_published_schema_accepts_an_export_and_checks_the_accounts(office) -> None:
    _published().validate(json.loads(render(office)))
    broken = json.loads(render(office))
    broken["directory"]["accounts"][0]["extensions"][0]["type"] = "Robot"
    assert list(_published().iter_errors(broken))  # the accounts by the fixture schema


def test_the_text_is_canonical(office) -> None:
    text = render(office)
    assert text.endswith(b"}\n") and text.startswith(b'{\n  "format": "presence-mock-snapshot"')
    shuffled = {key: office[key] for key in reversed(list(office))}
    shuffled["presence"] = dict(reversed(list(office["presence"].items())))
    assert render(shuffled) == text
    ids = list(json.loads(text)["presence"])
    assert ids == sorted(ids, key=int)  # IDs in numeric order


def test_parse_gives_back_what_render_wrote(office) -> None:
    assert parse(render(office), "x") == json.loads(render(office))


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: d.update(version=True), "snapshot version true is not read"),
        (lambda d: d.update(format="presence-mock-fixture"), "not a presence-mock snapshot"),
        (lambda d: d.pop("clock"), "(top level): 'clock' is a required property"),
        (lambda d: d.update(extra=1), "Additional properties are not allowed ('extra'"),
        (lambda d: d["events"].update(position=1.5), "$.events.position: 1.5 is not of type"),
        (
            lambda d: d["subscriptions"][0].update(transport="WebSocket"),
            "$.subscriptions[0].transport: 'WebHook' was expected",
        ),
        (lambda d: d["queues"].update({"x1": {}}), "$.queues: 'x1' does not match"),
    ],
)
def test_a_bad_snapshot_is_refused_in_one_line(office, change, said: str) -> None:
    data = json.loads(render(office))
    change(data)
    with pytest.raises(SnapshotError) as refused:
        parse(json.dumps(data).encode(), "office.json")
    message = str(refused.value)
    assert message.startswith("office.json: ") and said in message and "\n" not in message


def test_the_accounts_are_checked_as_a_fixture_is(office) -> None:
    data = json.loads(render(office))
    data["directory"]["accounts"][0]["extensions"].append(
        data["directory"]["accounts"][0]["extensions"][0]
    )
    with pytest.raises(SnapshotError, match=r"^office\.json: directory: .*duplicate"):
        directory_of(parse(json.dumps(data).encode(), "office.json"), "office.json")
