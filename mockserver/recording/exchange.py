"""A recording: the requests that went through `presence-mock record` and their answers.

File format (JSON, `formatVersion` 1):
{"formatVersion": 1, "target": URL, "exchanges": [{"operation": operationId or null,
  "request": {"method", "path", "query": {name: [values]}, "headers": {...}, "body": ...},
  "response": {"status", "headers": {...}, "body": ...}}]}
A body is JSON where it was JSON, a form as {"form": {name: [values]}}, a multipart batch as
{"multipart": [part, ...]} (each part's JSON), other text as {"text": "..."}, or null.
"""

from __future__ import annotations

import json
import os
import tempfile
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from mockserver.inputs import MAX_JSON_DEPTH, TooDeep, load_json, read_file
from mockserver.operations import API, OAUTH, match

PLATFORM = frozenset((*API, *OAUTH))

FORMAT_VERSION = 1
# A recording or a journal file read back (replay, drift, coverage): at most 128 MiB, JSON nested
# at most 32 levels (mockserver/inputs.py), as fixtures; past either, one line and exit 2.
MAX_FILE_BYTES = 128 << 20
Exchange = dict[str, Any]


def body_of(content_type: str | None, data: bytes) -> Any:
    """A body as a recording keeps it (before scrubbing)."""
    if not data:
        return None
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return {"form": parse_qs(data.decode("utf-8", "replace"), keep_blank_values=True)}
    if kind.startswith("multipart/"):
        return {"multipart": multipart_parts(content_type or "", data)}
    if kind.endswith("json"):
        try:
            return json.loads(data)
        except ValueError:
            pass
    return {"text": data.decode("utf-8", "replace")}


def multipart_parts(content_type: str, data: bytes) -> list[Any]:
    """The JSON of each part of a 207 batch (docs/contract.md#batch), in order."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + data
    )
    parts: list[Any] = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            parts.append(None)
            continue
        try:
            parts.append(json.loads(payload))
        except ValueError:
            parts.append({"text": payload.decode("utf-8", "replace")})
    return parts


def operation_of(method: str, path: str) -> str | None:
    """The RingCentral operation a request names (None for the emulator's /_mock/ controls)."""
    found = match(method, path)
    if found is None or found[0] not in PLATFORM:
        return None
    return found[0].endpoint


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    data = read_json_file(path, "recording")
    if not isinstance(data, dict) or data.get("formatVersion") != FORMAT_VERSION:
        raise ValueError(f"{path}: not a presence-mock recording (formatVersion {FORMAT_VERSION})")
    problem = _shape_problem(data)
    if problem:
        raise ValueError(f"{path}: not a presence-mock recording: {problem}")
    return data


# What replay and drift read of each exchange: (where, the type it must have).
_EXCHANGE_SHAPE = (
    (("request",), dict),
    (("request", "method"), str),
    (("request", "path"), str),
    (("request", "query"), dict),
    (("request", "headers"), dict),
    (("response",), dict),
    (("response", "status"), int),
    (("response", "headers"), dict),
)


def _shape_problem(recording: dict[str, Any]) -> str | None:
    """The first place a recording is not shaped as the format says, or None."""
    exchanges = recording.get("exchanges", [])
    if not isinstance(exchanges, list):
        return "exchanges: expected a list"
    for index, exchange in enumerate(exchanges):
        if not isinstance(exchange, dict):
            return f"exchanges[{index}]: expected an object"
        for keys, kind in _EXCHANGE_SHAPE:
            value: Any = exchange
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            if not isinstance(value, kind) or isinstance(value, bool):
                where = ".".join((f"exchanges[{index}]", *keys))
                return f"{where}: expected {'an object' if kind is dict else kind.__name__}"
        operation = exchange.get("operation")
        if operation is not None and not isinstance(operation, str):
            return f"exchanges[{index}].operation: expected a string or null"
    return None


def read_json_file(path: str | os.PathLike[str], what: str) -> Any:
    """A JSON file within MAX_FILE_BYTES and the JSON depth limit: ValueError naming the file
    and the limit otherwise (TooLarge, or the depth), or why it cannot be read (Unreadable)."""
    try:
        return load_json(read_file(path, MAX_FILE_BYTES, what))
    except TooDeep:
        raise ValueError(f"{path}: JSON nested deeper than {MAX_JSON_DEPTH} levels") from None


def save(path: str | os.PathLike[str], recording: dict[str, Any]) -> None:
    """Written whole to a temporary file and renamed, so a reader never sees half of it."""
    target = Path(path)
    handle, scratch = tempfile.mkstemp(prefix=".recording-", dir=target.parent or ".")
    with os.fdopen(handle, "w", encoding="utf-8") as sink:
        json.dump(recording, sink, indent=1)
        sink.write("\n")
    os.replace(scratch, target)
