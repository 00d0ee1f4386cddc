"""What every request goes through, whichever view answers it (or none does).

* before: /restapi requests are judged by the request rules; in strict mode a violating one is
  refused with the platform's 400 before anything else runs;
* errors: every error, Flask's own 404 and 405 included, is answered in the platform's shape;
  a bug is logged and answered as a 500 in that shape, never as an HTML page;
* after: the rate-limit headers gathered on the way are added to whatever the answer is, the
  request and its verdict go to the journal, and one log line is written.
"""

from __future__ import annotations

import logging
import time
from http import HTTPStatus

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as RoutingMethodNotAllowed

from mockserver.errors import (
    HttpRefusal,
    InternalError,
    MethodNotAllowed,
    MockError,
    ResourceNotFound,
)
from mockserver.http import Request
from mockserver.schemas import SchemaViolation
from mockserver.validation import request_rules
from mockserver.web.context import emulator, operation, query, rate_headers
from mockserver.web.rendering import error_response

log = logging.getLogger("presence_mock")
JUDGED_PREFIX = "/restapi/"
STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def install(app: Flask) -> None:
    app.before_request(judge)
    app.after_request(finish)
    app.register_error_handler(MockError, error_response)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)


def _described() -> Request:
    return Request(request.method, request.path, query(), request.get_data())


def judge() -> Response | None:
    g.started = time.perf_counter()
    if not request.path.startswith(JUDGED_PREFIX):
        return None
    found = operation()
    matched = (found, request.view_args or {}) if found is not None else None
    problems = g.problems = request_rules.check(_described(), matched)
    if problems and emulator().settings.strict_requests:
        return error_response(problems[0].error())
    return None


def finish(response: Response) -> Response:
    # werkzeug writes reason phrases in capitals; the platform sends "207 Multi-Status" (A.3).
    response.status = STATUS_LINES.get(response.status_code) or response.status
    extra = rate_headers()
    if extra:
        response.headers.update(extra)
    path = request.path
    if path.startswith(JUDGED_PREFIX):
        emulator().journal.record(_described(), g.get("problems", []), response.status_code)
    started = g.get("started")
    elapsed = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    log.info("%s %s %d %.1fms", request.method, path, response.status_code, elapsed)
    return response


def http_error(error: HTTPException) -> Response:
    """Flask's own refusals (no such route, wrong method, ...) in the platform's shape."""
    if isinstance(error, RoutingMethodNotAllowed):
        allowed = ", ".join(sorted(error.valid_methods or ()))
        return error_response(MethodNotAllowed(headers={"Allow": allowed}))
    if error.code == 404:
        return error_response(ResourceNotFound("uri"))
    if error.code is not None and error.code >= 500:
        return error_response(InternalError())
    return error_response(HttpRefusal(error.code or 400, error.description or error.name))


def unexpected_error(error: Exception) -> Response:
    if isinstance(error, SchemaViolation):
        raise error  # our answer broke its schema: a test must see it, not a 500
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(InternalError())
