"""Bodies to Flask responses: JSON, the 207 multipart batch, and errors in the platform's shape.

Every answer of the emulator's routes is made here, so this is the one place that adds the
rate-limit headers the request earned (errors included). With `validate_responses` every JSON
body and every part of a batch is checked against its schema on the way out (strict: no field
the schema does not declare).
"""

from __future__ import annotations

from typing import Any

from flask import Response, g

from mockserver import schemas
from mockserver.errors import MockError
from mockserver.presence.wire import JSON_TYPE, dumps, multipart
from mockserver.web.context import State, emulator

ERROR_SCHEMA = "error"
Headers = list[tuple[str, str]]


def _headers(extra: dict[str, str] | None) -> tuple[Headers, bool]:
    """The answer's own headers plus the rate-limit ones; and whether to validate the body."""
    found: State | None = g.get("state")
    services = found.emulator if found is not None else emulator()
    headers = list(found.rate_headers.items()) if found is not None else []
    if extra:
        headers.extend(extra.items())
    return headers, services.settings.validate_responses


def json_response(
    body: Any, schema: str | None = None, status: int = 200, extra: dict[str, str] | None = None
) -> Response:
    headers, validate = _headers(extra)
    if schema and validate:
        schemas.check(schema, body, strict=True)
    return Response(dumps(body), status, headers, content_type=JSON_TYPE)


def batch_response(parts: list[tuple[Any, str]]) -> Response:
    """207 Multi-Status: one (body, schema) per part, the status part first
    (docs/contract.md#batch)."""
    headers, validate = _headers(None)
    if validate:
        for body, schema in parts:
            schemas.check(schema, body, strict=True)
    content_type, payload = multipart([body for body, _ in parts])
    return Response(payload, 207, headers, content_type=content_type)


def json_batch_response(
    items: list[dict[str, Any]], schemas_of: list[str], content_type: str = JSON_TYPE
) -> Response:
    """207 with a JSON array of {resourceId, status, body} (docs/contract.md#batch-json; unified
    presence); each body is checked against its own schema (a record, or an error)."""
    headers, validate = _headers(None)
    if validate:
        for item, schema in zip(items, schemas_of, strict=True):
            schemas.check(schema, item["body"], strict=True)
    return Response(dumps(items), 207, headers, content_type=content_type)


def empty_response(status: int = 200, extra: dict[str, str] | None = None) -> Response:
    headers, _ = _headers(extra)
    response = Response(b"", status, headers)
    del response.headers["Content-Type"]  # no body, so no type (Flask would say text/html)
    return response


def error_response(error: MockError) -> Response:
    found: State | None = g.get("state")
    if found is not None:
        found.error_code = error.error_code
    return json_response(error.to_body(), error.schema, error.status, error.headers)
