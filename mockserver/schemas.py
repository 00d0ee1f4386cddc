"""JSON Schema checks of every body the emulator sends or accepts (files in `schemas/`).

The files are loaded once into a `referencing.Registry`. Each schema also gets a *strict* twin,
built in memory: every object schema that declares `properties` (and says nothing itself about
extra properties) gains `"unevaluatedProperties": false`. The emulator checks its own answers
strictly, so a misspelt field fails loudly; a real server's extra fields are only reported by
`undeclared_fields`, which lists exactly what strict checking would refuse.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, cast

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.protocols import Validator
from referencing import Registry, Resource

Schema = dict[str, Any]

_MARKER: Final = "presence-info-response.json"  # a file that every copy of schemas/ has
_PACKAGED: Final = "mockserver._schemas"  # where packaging installs schemas/*.json


def schema_dir() -> Path:
    """The directory holding the schema files.

    1. `schemas/` beside the package source: a checkout, or an editable install.
    2. `mockserver/_schemas/` inside the installed package (package data of a normal install).
    3. Whatever `importlib.resources` finds for the `mockserver._schemas` package.
    """
    for candidate in _schema_dir_candidates():
        if (candidate / _MARKER).is_file():
            return candidate
    raise FileNotFoundError(
        f"no schema files: looked for {_MARKER} in schemas/ beside the package "
        f"and in the package data {_PACKAGED}"
    )


def _schema_dir_candidates() -> Iterator[Path]:
    here = Path(__file__).resolve().parent
    yield here.parent / "schemas"
    yield here / "_schemas"
    try:
        # Through the marker file: `mockserver._schemas` has no __init__.py, and files() of a
        # namespace package is a MultiplexedPath, which only its children turn into a Path.
        marker = resources.files(_PACKAGED).joinpath(_MARKER)
    except ModuleNotFoundError:
        return
    if isinstance(marker, Path):
        yield marker.parent


SCHEMA_NAMES: Final[tuple[str, ...]] = tuple(sorted(p.stem for p in schema_dir().glob("*.json")))


# -- formats --------------------------------------------------------------------------------------
# jsonschema only asserts "date-time" and "uri" when rfc3339-validator / rfc3987 are installed;
# they are not dependencies here, so these two stdlib checks stand in for them.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
# RFC 3986: a scheme, then only unreserved, reserved and percent characters.
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
FORMAT_CHECKER: Final = FormatChecker(formats=())


@FORMAT_CHECKER.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.fullmatch(value):
        return False
    try:
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or _ABSOLUTE_URI.fullmatch(value) is not None


# -- loading --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Catalog:
    schemas: Mapping[str, Schema]  # by name, as on disk
    strict: Mapping[str, Schema]  # by name, with unevaluatedProperties: false added
    registry: Registry
    strict_registry: Registry


@cache
def _catalog() -> _Catalog:
    directory = schema_dir()
    schemas = {name: _read(directory / f"{name}.json") for name in SCHEMA_NAMES}
    strict = {name: _strict_copy(schema) for name, schema in schemas.items()}
    return _Catalog(schemas, strict, _registry(schemas.values()), _registry(strict.values()))


def _read(path: Path) -> Schema:
    schema: Schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


def _registry(schemas: Iterable[Schema]) -> Registry:
    resources_ = [(s["$id"], Resource.from_contents(s)) for s in schemas]
    return Registry().with_resources(resources_).crawl()


def _strict_copy(schema: Schema) -> Schema:
    strict = copy.deepcopy(schema)
    _close_objects(strict)
    return strict


# Keywords whose value is a schema, a list of schemas, or a name -> schema map.
_SUBSCHEMA: Final = ("items", "additionalProperties", "not", "if", "then", "else", "contains")
_SUBSCHEMA_LISTS: Final = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS: Final = ("properties", "patternProperties", "$defs")


def _close_objects(schema: Schema) -> None:
    declares_extras = "additionalProperties" in schema or "unevaluatedProperties" in schema
    if "properties" in schema and not declares_extras:
        schema["unevaluatedProperties"] = False
    for child in _subschemas(schema):
        _close_objects(child)


def _subschemas(schema: Schema) -> Iterator[Schema]:
    for key in _SUBSCHEMA:
        if isinstance(schema.get(key), dict):
            yield schema[key]
    for key in _SUBSCHEMA_LISTS:
        yield from schema.get(key, ())
    for key in _SUBSCHEMA_MAPS:
        yield from schema.get(key, {}).values()


# -- validation -----------------------------------------------------------------------------------
@cache
def validator(name: str, *, strict: bool = False) -> Validator:
    """The (cached) 2020-12 validator of one schema, with date-time and uri checks."""
    catalog = _catalog()
    if name not in catalog.schemas:
        raise KeyError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    schema = catalog.strict[name] if strict else catalog.schemas[name]
    registry = catalog.strict_registry if strict else catalog.registry
    return Draft202012Validator(schema, registry=registry, format_checker=FORMAT_CHECKER)


@cache
def enum_values(choices: str | tuple[str, ...]) -> frozenset[str]:
    """The values of an enum: a derived enum schema's by name (all-extension-types-enum), or
    the values themselves where the spec writes them inline (the route table's `choices`)."""
    if isinstance(choices, tuple):
        return frozenset(choices)
    return frozenset(_catalog().schemas[choices]["enum"])


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Final = _Missing()  # `Problem.found` of a required property that is absent


@dataclass(frozen=True)
class Problem:
    """One way an instance breaks its schema."""

    path: str  # JSON path of the offending value, e.g. $.records[3].presenceStatus
    rule: str  # the JSON Schema keyword broken, e.g. "enum"
    found: object  # the value found there (MISSING for an absent required property)
    expected: object  # the keyword's value, e.g. the enum's list
    message: str  # jsonschema's own wording

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}: found {found_text(self)}, expected {expected_text(self)}"


class SchemaViolation(AssertionError):
    """An instance does not match its schema; str() has one readable line per problem."""

    def __init__(self, name: str, errors: list[Problem]) -> None:
        self.name = name
        self.errors = errors
        lines = [f"{name}: {len(errors)} schema problem(s)", *(f"  {e}" for e in errors)]
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[type[SchemaViolation], tuple[str, list[Problem]]]:
        return (SchemaViolation, (self.name, self.errors))


def problems(name: str, instance: object, *, strict: bool = False) -> list[Problem]:
    """Every problem of `instance` against schema `name`, in jsonschema's order, no duplicates."""
    found: dict[tuple[str, str, str], Problem] = {}
    for error in validator(name, strict=strict).iter_errors(cast(Any, instance)):
        for problem in _problems_of(error):
            found.setdefault((problem.path, problem.rule, problem.message), problem)
    return list(found.values())


def check(name: str, instance: object, *, strict: bool = False) -> None:
    """Raise SchemaViolation unless `instance` matches schema `name`."""
    found = problems(name, instance, strict=strict)
    if found:
        raise SchemaViolation(name, found)


def undeclared_fields(name: str, instance: object) -> list[str]:
    """JSON paths of properties no schema declares (exactly what strict checking refuses)."""
    return [
        p.path for p in problems(name, instance, strict=True) if p.rule == "unevaluatedProperties"
    ]


# -- problems out of jsonschema errors ------------------------------------------------------------
def json_path(parts: Iterable[str | int]) -> str:
    """('records', 3, 'presenceStatus') -> $.records[3].presenceStatus"""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            text += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            text += f"['{escaped}']"
    return text


def _problems_of(error: ValidationError) -> Iterator[Problem]:
    path = list(error.absolute_path)
    rule = str(error.validator)
    if rule == "required":
        for missing in _absent(error):
            message = f"{missing!r} is a required property"
            yield Problem(json_path([*path, missing]), rule, MISSING, "present", message)
    elif rule == "unevaluatedProperties":
        declared = sorted(_declared(error.schema))
        for extra in _undeclared(error.instance, declared):
            message = f"{extra!r} is not a declared property"
            found = cast(Any, error.instance)[extra]
            yield Problem(json_path([*path, extra]), rule, found, declared, message)
    else:
        yield Problem(json_path(path), rule, error.instance, error.validator_value, error.message)


def _absent(error: ValidationError) -> list[str]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    required: Any = error.validator_value
    return [name for name in required if name not in instance]


def _declared(schema: Any) -> set[str]:
    # The strict twins only close schemas that declare `properties` themselves (the generator
    # merges allOf), so the schema's own maps name everything that counts as declared.
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", ()):
        names |= _declared(part)
    return names


def _undeclared(instance: object, declared: list[str]) -> list[str]:
    if not isinstance(instance, dict):
        return []
    return [key for key in instance if key not in declared]


# -- readable text --------------------------------------------------------------------------------
_EXPECTED: Final[dict[str, str]] = {
    "enum": "one of {}",
    "type": "type {}",
    "format": "a {} string",
    "maxLength": "at most {} characters",
    "minLength": "at least {} characters",
    "maxItems": "at most {} items",
    "minItems": "at least {} items",
    "minimum": "a number >= {}",
    "maximum": "a number <= {}",
    "required": "the property to be {}",
    "unevaluatedProperties": "only declared properties: {}",
    "const": "exactly {}",
    "pattern": "a string matching {}",
}


def expected_text(problem: Problem) -> str:
    expected = problem.expected
    value: object
    if isinstance(expected, list | tuple) and problem.rule in ("enum", "unevaluatedProperties"):
        value = ", ".join(repr(item) if problem.rule == "enum" else str(item) for item in expected)
    else:
        value = expected if isinstance(expected, str | int) else repr(expected)
    template = _EXPECTED.get(problem.rule, problem.rule + " {}")
    return template.format(value)


def found_text(problem: Problem, limit: int = 60) -> str:
    text = repr(problem.found)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if problem.rule in ("maxLength", "minLength") and isinstance(problem.found, str):
        text += f" ({len(problem.found)} characters)"
    return text
