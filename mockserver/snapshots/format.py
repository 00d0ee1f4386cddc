"""The snapshot file format: a versioned JSON document, its JSON Schema, read and written.

`parse(raw, source)` reads the bytes of a snapshot (a file or a request body) and checks, in
this order, that they are JSON, a presence-mock snapshot, of a version this build reads, and
valid under `snapshot.schema.json` (docs/snapshots.md); each failure is a SnapshotError of one
line naming the source, the field and the problem. `render(snapshot)` writes the canonical
text: the same state gives the same bytes on every store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any, cast

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from mockserver.directory.fixtures import fixture_schema
from mockserver.inputs import MAX_JSON_DEPTH, TooDeep, load_json
from mockserver.schemas import json_path

FORMAT = "presence-mock-snapshot"
VERSION = 1
# Bounds of a snapshot (a file or a request body): its accounts are a fixture's (128 MiB holds
# 100,000 extensions), with room for the state beside them.
MAX_SNAPSHOT_BYTES = 160 << 20
_SCHEMA_FILE = "snapshot.schema.json"
# The order of the top-level fields as written (the nested ones are sorted).
FIELDS = (
    "format",
    "version",
    "exportedAt",
    "directory",
    "presence",
    "queues",
    "unified",
    "calls",
    "subscriptions",
    "clock",
    "events",
)

Snapshot = dict[str, Any]


class SnapshotError(ValueError):
    """A snapshot that cannot be used, said in one line."""


class SnapshotConflict(SnapshotError):
    """A valid snapshot that does not fit this server (its accounts are other ones)."""


@cache
def schema_text() -> str:
    return resources.files("mockserver.snapshots").joinpath(_SCHEMA_FILE).read_text("utf-8")


def schema() -> dict[str, Any]:
    """The snapshot JSON Schema (2020-12), as shipped."""
    return cast(dict[str, Any], json.loads(schema_text()))


@cache
def _validator() -> Draft202012Validator:
    """The schema's validator for everything but the accounts' inside: those are checked as a
    fixture's are (`state.directory_of`), or found equal to a server's own, which costs a
    fraction of validating 10,000 extensions again."""
    own = schema()
    fixture = fixture_schema()
    both = [(found["$id"], Resource.from_contents(found)) for found in (fixture, own)]
    registry: Registry[Any] = Registry().with_resources(both)
    Draft202012Validator.check_schema(own)
    light = {**own, "properties": {**own["properties"], "directory": {"type": "object"}}}
    return Draft202012Validator(light, registry=registry)


def parse(raw: bytes, source: str) -> Snapshot:
    """The snapshot in `raw`, checked against the format (its accounts only as an object: see
    `_validator`); SnapshotError (one line) if not."""
    try:
        data = load_json(raw)
    except TooDeep:
        raise SnapshotError(
            f"{source}: JSON nested deeper than {MAX_JSON_DEPTH} levels, the limit of snapshots"
        ) from None
    except ValueError as error:  # JSONDecodeError, or bytes that are not UTF-8
        raise SnapshotError(f"{source}: not valid JSON: {_first_line(str(error))}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotError(
            f"{source}: not a presence-mock snapshot (expected a JSON object with "
            f'"format": "{FORMAT}")'
        )
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        raise SnapshotError(
            f"{source}: snapshot version {json.dumps(version)[:40]} is not read by this build "
            f"(it reads version {VERSION})"
        )
    problems = sorted(_validator().iter_errors(data), key=_reading_order)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SnapshotError(f"{source}: {_where(first)}: {_short(first.message)}{more}")
    return data


def render(snapshot: Snapshot) -> bytes:
    """The canonical text: the top-level fields in FIELDS order, every object below sorted by
    key (extension IDs as numbers), two-space indentation, UTF-8, a final newline."""
    ordered = {name: _sorted(snapshot[name]) for name in FIELDS if name in snapshot}
    return (json.dumps(ordered, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value, key=_key_order)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _key_order(key: str) -> tuple[int, int, str]:
    digits = key.lstrip("-")
    if digits.isdigit() and len(digits) <= 18:
        return (0, int(key), key)
    return (1, 0, key)


def _reading_order(error: ValidationError) -> tuple[int, tuple[str, ...]]:
    return (len(error.absolute_path), tuple(str(part) for part in error.absolute_path))


def _where(error: ValidationError) -> str:
    parts: Iterable[str | int] = error.absolute_path
    return json_path(parts) if error.absolute_path else "(top level)"


def _short(text: str, limit: int = 160) -> str:
    text = _first_line(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text
