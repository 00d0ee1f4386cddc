"""A JSON body as drift compares it: field paths with their types, and the enum values seen."""

from __future__ import annotations

from typing import Any

# String fields with a closed set of values in the spec (and the token endpoint's token_type):
# the values the real server uses are compared with the emulator's.
ENUM_FIELDS = frozenset(
    {
        "presenceStatus",
        "userStatus",
        "dndStatus",
        "dndStatusPersonal",
        "telephonyStatus",
        "cxTelephonyStatus",
        "aggregatedTelephonyStatus",
        "meetingStatus",
        "callerIdVisibility",
        "direction",
        "type",
        "status",
        "token_type",
        "result",
        "action",
        "setupWizardState",
    }
)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape(body: Any) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """{path: types} and {path: enum values} of a recorded body (list items as `[]`; a batch's
    parts as `part[0]` (the status part) and `part[]`)."""
    types: dict[str, set[str]] = {}
    enums: dict[str, set[str]] = {}
    if isinstance(body, dict) and set(body) == {"multipart"}:
        for index, part in enumerate(body["multipart"]):
            _walk(part, "part[0]" if index == 0 else "part[]", types, enums)
    elif isinstance(body, dict) and set(body) in ({"form"}, {"text"}):
        types["body"] = {next(iter(body))}
    elif body is not None:
        _walk(body, "body", types, enums)
    return types, enums


def _walk(value: Any, path: str, types: dict[str, set[str]], enums: dict[str, set[str]]) -> None:
    types.setdefault(path, set()).add(type_name(value))
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}"
            if key in ENUM_FIELDS and isinstance(item, str):
                enums.setdefault(child, set()).add(item)
            _walk(item, child, types, enums)
    elif isinstance(value, list):
        for item in value:
            _walk(item, f"{path}[]", types, enums)


def error_code(body: Any) -> str | None:
    if isinstance(body, dict):
        code = body.get("errorCode")
        if isinstance(code, str):
            return code
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0].get("errorCode")
            return first if isinstance(first, str) else None
    return None
