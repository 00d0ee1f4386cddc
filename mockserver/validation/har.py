"""A session as an HTTP Archive (HAR 1.2): the request journal's entries and the WebHook
deliveries, so a session opens in a browser's devtools, Postman or Mockoon.

Built from what the journals keep, and nothing more: secrets are masked as they are there (the
journal never keeps an `Authorization` header, so HAR entries carry no headers of the request;
bodies of writes are masked by name and by shape). What HAR has no field for (the verdict under
the request rules, the problems, the platform's error code, an injected fault, a delivery's
subscription) is written in fields whose names start with `_`, as the format allows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from mockserver.redaction import mask_address

HAR_VERSION = "1.2"
HTTP_VERSION = "HTTP/1.1"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_PHRASES = {status.value: status.phrase for status in HTTPStatus}


def har_log(
    requests: Iterable[Mapping[str, Any]],
    deliveries: Iterable[Mapping[str, Any]],
    base_url: str,
    version: str,
) -> dict[str, Any]:
    """The HAR document: every journalled request against `base_url`, then every WebHook
    delivery attempt, in the order they started."""
    entries = [request_entry(entry, base_url) for entry in requests]
    entries += [
        delivery_entry(entry) for entry in deliveries if entry.get("transport") == "WebHook"
    ]
    entries.sort(key=lambda entry: str(entry["startedDateTime"]))
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": "presence-mock", "version": version},
            "pages": [],
            "entries": entries,
        }
    }


def request_entry(entry: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """One journal entry as a HAR entry."""
    query: Mapping[str, list[str]] = entry.get("query") or {}
    pairs = [(name, value) for name, values in query.items() for value in values]
    url = base_url.rstrip("/") + str(entry["path"])
    if pairs:
        url += "?" + urlencode(pairs)
    elapsed = float(entry.get("ms") or 0)
    request: dict[str, Any] = {
        "method": entry["method"],
        "url": url,
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": [],
        "queryString": [{"name": name, "value": value} for name, value in pairs],
        "headersSize": -1,
        "bodySize": -1,
    }
    body = entry.get("body")
    if isinstance(body, str):
        request["postData"] = {"mimeType": _body_type(body), "text": body}
        request["bodySize"] = len(body.encode())
    status = int(entry.get("status") or 0)
    found: dict[str, Any] = {
        "startedDateTime": entry["time"],
        "time": elapsed,
        "request": request,
        "response": _response(status, []),
        "cache": {},
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
        "_verdict": entry.get("verdict"),
        "_problems": entry.get("problems") or [],
    }
    for name in ("errorCode", "fault", "transport"):
        if entry.get(name) is not None:
            found["_" + name] = entry[name]
    if entry.get("verdict") == "violation":
        found["comment"] = "; ".join(_problem_text(p) for p in entry.get("problems") or [])
    return found


def delivery_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One WebHook delivery attempt (the delivered events journal) as a HAR entry: the POST the
    emulator made to the receiver, with the notification it carried."""
    text = json.dumps(entry.get("event"), separators=(",", ":"))
    status = int(entry.get("status") or 0)
    found: dict[str, Any] = {
        "startedDateTime": _iso(float(entry["time"])),
        "time": 0,
        "request": {
            "method": "POST",
            "url": mask_address(str(entry.get("address", ""))),
            "httpVersion": HTTP_VERSION,
            "cookies": [],
            "headers": [{"name": "Content-Type", "value": JSON}],
            "queryString": [],
            "postData": {"mimeType": JSON, "text": text},
            "headersSize": -1,
            "bodySize": len(text.encode()),
        },
        "response": _response(status, []),
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "_transport": "WebHook",
        "_subscriptionId": entry.get("subscriptionId"),
        "_attempt": entry.get("attempt", 1),
        "_delivered": bool(entry.get("delivered")),
    }
    if entry.get("error"):
        found["_error"] = entry["error"]
        found["comment"] = f"not delivered: {entry['error']}"
    if entry.get("fault"):
        found["_fault"] = entry["fault"]
    return found


def _response(status: int, headers: list[dict[str, str]]) -> dict[str, Any]:
    # The journals keep the status and the error code, not the answer's body: `size` 0 with
    # the type every answer of ours has says exactly that.
    return {
        "status": status,
        "statusText": _PHRASES.get(status, ""),
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": headers,
        "content": {"size": 0, "mimeType": JSON},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1,
    }


def _body_type(body: str) -> str:
    return JSON if body.lstrip().startswith(("{", "[")) else FORM


def _problem_text(problem: Mapping[str, Any]) -> str:
    return str(problem.get("message") or problem.get("rule") or problem)


def _iso(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
