"""Bodies to Flask responses: JSON, the 207 multipart batch, and errors in the platform's shape.

With `validate_responses` every JSON body and every part of a batch is checked against its
schema on the way out (strict: no field the schema does not declare).
"""

from __future__ import annotations

from typing import Any

from flask import Response

from mockserver import schemas
from mockserver.errors import MockError
from mockserver.presence.wire import JSON_TYPE, dumps, multipart
from mockserver.web.context import emulator

ERROR_SCHEMA = "error"


def json_response(
    body: Any, schema: str | None = None, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    if schema and emulator().settings.validate_responses:
        schemas.check(schema, body, strict=True)
    return Response(dumps(body), status, headers, content_type=JSON_TYPE)


def batch_response(parts: list[tuple[Any, str]]) -> Response:
    """207 Multi-Status: one (body, schema) per part, the status part first (Part A.3)."""
    if emulator().settings.validate_responses:
        for body, schema in parts:
            schemas.check(schema, body, strict=True)
    content_type, payload = multipart([body for body, _ in parts])
    return Response(payload, 207, content_type=content_type)


def empty_response(status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(b"", status, headers)
    del response.headers["Content-Type"]  # no body, so no type (Flask would say text/html)
    return response


def error_response(error: MockError) -> Response:
    return json_response(error.to_body(), error.schema, error.status, dict(error.headers))
