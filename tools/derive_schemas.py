#!/usr/bin/env python3
"""Derive `schemas/*.json` (JSON Schema 2020-12) from RingCentral's OpenAPI 3.0 presence subset.

The spec is the repository's own copy, spec/ringcentral-presence-openapi.yml (see spec/README.md).

    python tools/derive_schemas.py            # (re)write schemas/
    python tools/derive_schemas.py --check    # exit 1 and name the files that would change

Rules: one file per spec component a body reaches (`$id` https://presence-mock.local/schemas/
<kebab-name>.json, title = component name); `$ref`s between components become relative file
refs; `allOf` of object schemas is merged into one object schema (so `unevaluatedProperties`
strictness sees every property); `example` becomes `examples`; descriptions are cut to their
first sentence. Fields that the contract (docs/contract.md) adds beyond the spec are listed
in this file, each with a `$comment` naming its source.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Schema = dict[str, Any]

REPO = Path(__file__).resolve().parent.parent
SPEC_NAME = "ringcentral-presence-openapi.yml"
DEFAULT_SPEC = REPO / "spec" / SPEC_NAME
DEFAULT_OUT = REPO / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://presence-mock.local/schemas/"
COMPONENT_PREFIX = "#/components/schemas/"
MAX_DESCRIPTION = 120

# Keywords copied as they are; anything else not handled below stops the script, so that a new
# OpenAPI construct in a future spec is looked at instead of silently dropped.
PLAIN_KEYWORDS = frozenset(
    {
        "type",
        "required",
        "enum",
        "format",
        "default",
        "readOnly",
        "writeOnly",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "pattern",
        "uniqueItems",
    }
)
DROPPED_KEYWORDS = frozenset({"discriminator", "xml", "externalDocs", "deprecated"})


@dataclass(frozen=True)
class Target:
    """One output file: where its schema comes from and what the contract adds to it."""

    stem: str
    title: str
    pointer: str | None  # JSON pointer into the spec; None for a schema the spec lacks
    comment: str = ""
    description: str = ""
    extra_properties: dict[str, Schema] = field(default_factory=dict)
    literal: Schema | None = None


ERROR_SHAPE = (
    "docs/contract.md#error-shape, not the spec: the emulator also sends this at the top level."
)
OAUTH_DESCRIPTION = (
    "docs/contract.md#auth-oauth, not the spec: real token-endpoint errors carry it."
)
TOP_OWNER_ID = (
    "docs/contract.md#notification-envelope, not the spec: the docs' samples put ownerId at the "
    "top level of the envelope."
)
EVENT_SAMPLES = "docs/contract.md#event-bodies: the docs' samples of this event carry it."


def event_target(name: str) -> Target:
    """An event envelope: the spec's, with the top-level ownerId (decision EVT-18)."""
    return Target(
        kebab(name),
        name,
        COMPONENT_PREFIX + name,
        extra_properties={"ownerId": {"type": "string", "$comment": TOP_OWNER_ID}},
    )


def kebab(name: str) -> str:
    """PresenceNavigationInfoURI -> presence-navigation-info-uri, CallInfoCQ -> call-info-cq."""
    words = re.split(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", name)
    return "-".join(word.lower() for word in words)


def component_target(name: str) -> Target:
    return Target(kebab(name), name, COMPONENT_PREFIX + name)


ROOT_TARGETS: tuple[Target, ...] = (
    component_target("PresenceInfoResponse"),
    component_target("AccountPresenceInfo"),
    component_target("PresenceInfoRequest"),
    component_target("TokenInfo"),
    component_target("WsTokenResponse"),  # POST /restapi/oauth/wstoken
    # The rest of the Presence tag, the directory and active calls.
    component_target("CallQueuePresence"),
    component_target("CallQueueUpdatePresence"),
    component_target("ExtensionCallQueuePresenceList"),
    component_target("ExtensionCallQueueUpdatePresenceList"),
    component_target("UnifiedPresence"),
    component_target("UnifiedPresenceList"),
    component_target("UpdateUnifiedPresence"),
    component_target("GetAccountInfoResponse"),
    component_target("GetExtensionListResponse"),
    component_target("GetExtensionInfoResponse"),
    component_target("CallLogResponse"),
    # Subscriptions and presence events.
    component_target("SubscriptionInfo"),
    component_target("SubscriptionListResource"),
    component_target("CreateSubscriptionRequest"),
    component_target("UpdateSubscriptionRequest"),
    event_target("ExtensionPresenceEvent"),
    event_target("DetailedExtensionPresenceEvent"),
    event_target("DetailedExtensionPresenceWithSIPEvent"),
    event_target("AccountPresenceEvent"),
    Target(
        "extension-presence-event-body",
        "ExtensionPresenceEventBody",
        COMPONENT_PREFIX + "ExtensionPresenceEventBody",
        extra_properties={
            "meetingStatus": {
                "type": "string",
                "enum": ["Connected", "Disconnected"],
                "$comment": EVENT_SAMPLES,
            }
        },
    ),
    Target(
        "error",
        "ParameterizedErrorResponseModel",
        COMPONENT_PREFIX + "ParameterizedErrorResponseModel",
        comment=(
            "Every API error body of the emulator. errors[] is the spec's; the top-level "
            "errorCode, message and parameterName come from docs/contract.md#error-shape, not the "
            "spec."
        ),
        extra_properties={
            "errorCode": {"type": "string", "$comment": ERROR_SHAPE},
            "message": {"type": "string", "$comment": ERROR_SHAPE},
            "parameterName": {"type": "string", "$comment": ERROR_SHAPE},
            "permissionName": {
                "type": "string",
                "$comment": "the recorded permission refusals (docs/decisions.md FID-5)",
            },
        },
    ),
    Target(
        "web-socket-delivery-mode",
        "WebSocketDeliveryMode",
        COMPONENT_PREFIX + "WebSocketDeliveryMode",
        extra_properties={
            "encryption": {
                "type": "boolean",
                "$comment": (
                    "the recorded WebSocket subscription replies say encryption: false "
                    "(docs/decisions.md FID-20)"
                ),
            }
        },
    ),
    Target(
        "oauth-error",
        "OauthInvalidRequest",
        "#/components/responses/OauthInvalidRequest/content/application~1json/schema",
        comment=(
            "Token endpoint errors (spec responses/OauthInvalidRequest). error_description is "
            "from docs/contract.md#auth-oauth; the errors[].parameters[] it shows are admitted by "
            "ApiError's additionalProperties: true."
        ),
        extra_properties={
            "error_description": {"type": "string", "$comment": OAUTH_DESCRIPTION},
        },
    ),
    Target(
        "batch-status",
        "BatchStatus",
        None,
        comment=(
            "Not in the spec: the first part of a 207 multipart/mixed batch answer, "
            "as docs/contract.md#batch and the batch-requests guide describe it."
        ),
        description="Status of each item of a batch GET, in request order",
        literal={
            "type": "object",
            "required": ["response"],
            "properties": {
                "response": {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 30,
                    "items": {
                        "type": "object",
                        "required": ["href", "status", "responseDescription"],
                        "properties": {
                            "href": {"type": "string", "format": "uri"},
                            "status": {"type": "integer"},
                            "responseDescription": {"type": "string"},
                        },
                    },
                }
            },
        },
    ),
)


class SpecError(Exception):
    """The spec uses something this script does not know how to convert."""


# -- loading --------------------------------------------------------------------------------------
def load_spec(path: Path) -> Schema:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def resolve_pointer(spec: Schema, pointer: str) -> Any:
    if not pointer.startswith("#/"):
        raise SpecError(f"only local refs are supported, got {pointer!r}")
    node: Any = spec
    for raw in pointer[2:].split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or key not in node:
            raise SpecError(f"{pointer} does not exist in the spec")
        node = node[key]
    return node


# -- names ----------------------------------------------------------------------------------------
def component_name(ref: str) -> str:
    if not ref.startswith(COMPONENT_PREFIX):
        raise SpecError(f"unsupported $ref {ref!r}")
    return ref.removeprefix(COMPONENT_PREFIX)


def file_ref(ref: str) -> str:
    return kebab(component_name(ref)) + ".json"


# -- conversion -----------------------------------------------------------------------------------
def short_description(text: str) -> str | None:
    """The first sentence, on one line; None when even that is too long to stay readable."""
    line = " ".join(text.split())
    first = re.split(r"(?<=[a-z0-9)\]`])\.(?:\s|$)", line, maxsplit=1)[0].rstrip(".")
    return first if first and len(first) <= MAX_DESCRIPTION else None


def example_value(value: Any) -> Any:
    # PyYAML reads unquoted timestamps as datetimes; write them back as RFC 3339 strings.
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def merge_all_of(spec: Schema, node: Schema, where: str) -> Schema:
    """One object schema out of `allOf` parts (resolving component refs), conflicts refused."""
    merged: Schema = {k: v for k, v in node.items() if k != "allOf"}
    merged.setdefault("type", "object")
    for part in node["allOf"]:
        resolved = resolve_pointer(spec, part["$ref"]) if "$ref" in part else part
        if "allOf" in resolved:
            resolved = merge_all_of(spec, resolved, where)
        _merge_part(merged, resolved, where)
    return merged


def _merge_part(merged: Schema, part: Schema, where: str) -> None:
    for key, value in part.items():
        if key == "properties":
            properties = merged.setdefault("properties", {})
            for name, schema in value.items():
                if name in properties and properties[name] != schema:
                    raise SpecError(f"{where}: allOf parts disagree on property {name!r}")
                properties[name] = schema
        elif key == "required":
            required = merged.setdefault("required", [])
            required.extend(name for name in value if name not in required)
        elif key == "type" and value != "object":
            raise SpecError(f"{where}: allOf part of type {value!r} cannot be merged")
        elif key == "additionalProperties":
            if merged.get(key, value) != value:
                raise SpecError(f"{where}: allOf parts disagree on additionalProperties")
            merged[key] = value
        elif key in ("description", "title", "type"):
            merged.setdefault(key, value)
        elif key in DROPPED_KEYWORDS:
            continue  # as outside allOf (e.g. ServiceInfo.ubrand's `deprecated: true` part)
        else:
            raise SpecError(f"{where}: cannot merge keyword {key!r} of an allOf part")


def convert(spec: Schema, node: Schema, where: str) -> Schema:
    """OpenAPI 3.0 schema object -> JSON Schema 2020-12 (recursive)."""
    if "$ref" in node:
        if len(node) > 1:
            raise SpecError(f"{where}: $ref with sibling keywords {sorted(node)}")
        return {"$ref": file_ref(node["$ref"])}
    if "allOf" in node:
        node = merge_all_of(spec, node, where)
    out: Schema = {}
    for key, value in node.items():
        out.update(_convert_keyword(spec, key, value, f"{where}/{key}"))
    if node.get("nullable"):
        _allow_null(out)
    return out


def _convert_keyword(spec: Schema, key: str, value: Any, where: str) -> Schema:
    if key in PLAIN_KEYWORDS:
        return {key: copy.deepcopy(value)}
    if key == "properties":
        return {key: {n: convert(spec, s, f"{where}/{n}") for n, s in value.items()}}
    if key == "items":
        return {key: convert(spec, value, where)}
    if key == "additionalProperties":
        return {key: value if isinstance(value, bool) else convert(spec, value, where)}
    if key in ("anyOf", "oneOf"):
        return {key: [convert(spec, part, f"{where}/{i}") for i, part in enumerate(value)]}
    if key == "description":
        text = short_description(value)
        return {key: text} if text else {}
    if key == "example":
        return {"examples": [example_value(value)]}
    if key in ("title", "nullable") or key in DROPPED_KEYWORDS or key.startswith("x-"):
        return {}
    raise SpecError(f"{where}: OpenAPI keyword {key!r} is not handled")


def _allow_null(out: Schema) -> None:
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]


def component_refs(schema: Any) -> Iterator[str]:
    """Every relative file $ref inside a converted schema."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref":
                yield value
            else:
                yield from component_refs(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from component_refs(item)


# -- files ----------------------------------------------------------------------------------------
def body_of(spec: Schema, target: Target) -> Schema:
    if target.literal is not None:
        return copy.deepcopy(target.literal)
    assert target.pointer is not None
    body = convert(spec, resolve_pointer(spec, target.pointer), target.pointer)
    if body.get("type") != "object" and target.extra_properties:
        raise SpecError(f"{target.pointer}: extra properties need an object schema")
    overlap = set(target.extra_properties) & set(body.get("properties", {}))
    if overlap:
        raise SpecError(f"{target.pointer}: the spec now declares {sorted(overlap)} itself")
    if target.extra_properties:
        body["properties"] = {**body.get("properties", {}), **target.extra_properties}
    return body


def document(spec: Schema, target: Target) -> Schema:
    body = body_of(spec, target)
    source = f"Generated by tools/derive_schemas.py from {SPEC_NAME} {target.pointer}"
    if target.pointer is None:
        source = "Generated by tools/derive_schemas.py"
    comment = f"{source}; do not edit. {target.comment}".strip()
    head: Schema = {
        "$schema": DIALECT,
        "$id": BASE_ID + target.stem + ".json",
        "title": target.title,
        "$comment": comment,
    }
    if target.description:
        body["description"] = target.description
    return {**head, **body}


def targets(spec: Schema) -> list[Target]:
    """The root bodies, then every component they reach through $ref, in a stable order."""
    found: dict[str, Target] = {t.stem + ".json": t for t in ROOT_TARGETS}
    queue = list(ROOT_TARGETS)
    while queue:
        for ref in sorted(set(component_refs(body_of(spec, queue.pop(0))))):
            if ref not in found:
                name = next(n for n in spec["components"]["schemas"] if kebab(n) + ".json" == ref)
                found[ref] = component_target(name)
                queue.append(found[ref])
    return sorted(found.values(), key=lambda t: t.stem)


def render(schema: Schema) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def derive(spec: Schema) -> dict[str, str]:
    """File name -> exact file text."""
    return {t.stem + ".json": render(document(spec, t)) for t in targets(spec)}


# -- command line ---------------------------------------------------------------------------------
def differences(expected: dict[str, str], out_dir: Path) -> list[str]:
    lines = []
    present = {p.name for p in out_dir.glob("*.json")} if out_dir.is_dir() else set()
    for name, text in expected.items():
        if name not in present:
            lines.append(f"missing: {name}")
        elif (out_dir / name).read_text(encoding="utf-8") != text:
            lines.append(f"differs: {name}")
    lines.extend(f"unexpected: {name}" for name in sorted(present - set(expected)))
    return lines


def write(expected: dict[str, str], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in expected.items():
        path = out_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    for name in sorted({p.name for p in out_dir.glob("*.json")} - set(expected)):
        print(f"warning: {out_dir / name} is not derived from the spec", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI YAML file")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="schemas directory")
    parser.add_argument("--check", action="store_true", help="only report out-of-date files")
    args = parser.parse_args(argv)
    if not args.spec.is_file():
        print(f"error: spec not found at {args.spec} (use --spec PATH)", file=sys.stderr)
        return 2
    try:
        expected = derive(load_spec(args.spec))
    except SpecError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not args.check:
        write(expected, args.out)
        return 0
    stale = differences(expected, args.out)
    for line in stale:
        print(line)
    if stale:
        print("schemas/ is out of date: run python tools/derive_schemas.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
