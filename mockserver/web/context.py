"""The current app's emulator and what this request has learnt, for views and hooks."""

from __future__ import annotations

from typing import Any, cast

from flask import current_app, g, request

from mockserver.emulator import Emulator
from mockserver.operations import BY_ENDPOINT, Operation
from mockserver.platform.tokens import Caller

EXTENSION = "presence_mock"


def emulator() -> Emulator:
    return cast(Emulator, current_app.extensions[EXTENSION])


def operation() -> Operation | None:
    """The route-table entry of this request, None where it matched none (a 404 or 405)."""
    return BY_ENDPOINT.get(request.endpoint or "")


def query() -> dict[str, list[str]]:
    """The query string, every value of each name, read once per request."""
    found: dict[str, list[str]] | None = g.get("query")
    if found is None:
        found = g.query = request.args.to_dict(flat=False)
    return found


def base_url() -> str:
    """scheme://host[:port] and the mount point, as the client called us (Part A.6's uris)."""
    return request.root_url.rstrip("/")


def caller() -> Caller:
    return cast(Caller, g.caller)


def add_rate_headers(headers: dict[str, str]) -> None:
    """Headers the answer carries whatever it turns out to be (after_request adds them)."""
    g.rate_headers = headers


def rate_headers() -> dict[str, Any]:
    return cast(dict[str, Any], g.get("rate_headers") or {})
