"""Turn query strings and bodies into domain values, or the platform's 400s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from mockserver.directory.model import WRITABLE_FIELDS, PresenceSettings
from mockserver.errors import InvalidParameter
from mockserver.inputs import json_object_body
from mockserver.operations import FLAGS
from mockserver.presence.paging import (
    DEFAULT_PAGE,
    DEFAULT_PER_PAGE,
    Page,
    page_size,
    positive_int,
)
from mockserver.presence.wire import View
from mockserver.schemas import problems

Query = Mapping[str, list[str]]


def first(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def flag(query: Query, name: str) -> bool:
    """true/false in any letter case; anything else is CMN-101 (docs/contract.md#view-flags)."""
    raw = first(query, name)
    if raw is None:
        return False
    if not is_boolean(raw):
        raise InvalidParameter(name)
    return raw.lower() == "true"


def is_boolean(raw: str) -> bool:
    return raw.lower() in ("true", "false")


def view(query: Query) -> View:
    detailed = flag(query, "detailedTelephonyState")
    sip = flag(query, "sipData")
    return View(detailed=detailed, sip=detailed and sip)


def flags_as_given(query: Query) -> dict[str, str]:
    """The view flags to carry into navigation links, so following them keeps the same view."""
    return {name: raw for name in FLAGS if (raw := first(query, name)) is not None}


def page(query: Query, *, zero: bool = False, most: bool = False) -> Page:
    number = positive_int(first(query, "page"), "page", DEFAULT_PAGE)
    per_page = page_size(first(query, "perPage"), DEFAULT_PER_PAGE, zero=zero, most=most)
    return Page.of(number, per_page, total=0)


def extension_ids(id_param: str) -> list[str]:
    return id_param.split(",")


# Clients PUT the same few bodies again and again: a small body's accepted fields are kept by
# its bytes (decision PERF-13), and each PUT gets its own copy.
UPDATES_KEPT = 256
UPDATE_BYTES = 4096
_updates: dict[bytes, PresenceSettings] = {}


def update_body(raw: bytes) -> PresenceSettings:
    """The PUT body (docs/contract.md#presence-put): writable fields only; read-only and unknown
    ones are ignored."""
    kept = _updates.get(raw)
    if kept is not None:
        return cast(PresenceSettings, dict(kept))
    if not raw.strip():
        return {}
    body = json_object(raw, "presence-info-request")
    changes = cast(PresenceSettings, {k: v for k, v in body.items() if k in WRITABLE_FIELDS})
    if len(raw) <= UPDATE_BYTES:
        if len(_updates) >= UPDATES_KEPT:
            _updates.clear()
        _updates[raw] = changes
    return cast(PresenceSettings, dict(changes))


def json_object(raw: bytes, schema: str) -> dict[str, Any]:
    """A JSON object body checked against `schema`: CMN-103 when it is not a JSON object (or is
    nested past the depth limit, inputs.py), else CMN-101 naming the first field at fault by its
    dotted path (records[0].member.id)."""
    body = json_object_body(raw)
    found = problems(schema, body)
    if found:
        raise InvalidParameter(parameter_of(found[0].path))
    return body


def parameter_of(path: str) -> str:
    """The field a body problem names, by its path without the root: "$.message" -> "message",
    "$.records[0].member.id" -> "records[0].member.id" (the call-queue bodies are nested)."""
    return path.removeprefix("$").lstrip(".") or "body"
