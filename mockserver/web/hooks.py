"""What every request goes through, whichever view answers it (or none does).

* before: /restapi requests are judged by the request rules (in strict mode a violating one is
  refused with the platform's 400 before anything else runs); then the operation's entry in the
  route table decides the rest: an API operation authenticates the caller, counts the request
  in its throttling group and checks its app permission, in that order (Part A.11, A.13: a
  request that fails authentication has no user to count against, so it gets no rate-limit
  headers); the token endpoints authenticate the client first (a failure stores nothing) and
  count in the Auth group, keyed by the client plus the username of a password grant, since
  there is no user yet (docs/decisions.md);
* errors: every error, Flask's own 404 and 405 included, is answered in the platform's shape;
  a bug is logged and answered as a 500 in that shape, never as an HTML page;
* after: the request and its verdict go to the journal, and one log line is written. (The
  rate-limit headers gathered on the way are added by rendering.py, which makes every answer.)
"""

from __future__ import annotations

import logging
import time
from http import HTTPStatus

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as RoutingMethodNotAllowed

from mockserver.errors import (
    AppPermissionRequired,
    InternalError,
    MethodNotAllowed,
    MockError,
    ResourceNotFound,
)
from mockserver.schemas import SchemaViolation
from mockserver.validation import request_rules
from mockserver.web.context import State
from mockserver.web.forms import form_fields
from mockserver.web.limits import past_limits, refusal
from mockserver.web.rendering import error_response

log = logging.getLogger("presence_mock")
JUDGED_PREFIX = "/restapi/"
STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def install(app: Flask) -> None:
    app.before_request(prepare)
    app.after_request(finish)
    app.register_error_handler(MockError, error_response)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)


def prepare() -> Response | None:
    current = request._get_current_object()  # type: ignore[attr-defined]
    now = g.state = State.begin(current, time.perf_counter())
    refused = past_limits(current)
    if refused is not None:
        return error_response(refused)
    if current.path.startswith(JUDGED_PREFIX):
        now.judged = True
        operation = now.operation
        matched = (operation, current.view_args or {}) if operation is not None else None
        now.problems = request_rules.check(now.described(), matched)
        if now.problems and now.emulator.settings.strict_requests:
            return error_response(now.problems[0].error())
    operation = now.operation
    if operation is None or operation.group is None:
        return None
    limiter = now.emulator.limiter
    if operation.permission is None:  # the token endpoints: no user yet
        fields = form_fields(current)
        # The client is authenticated before it is counted: a request with a made-up client
        # must leave nothing in the store (its key would never be read again).
        app = now.emulator.tokens.client(fields, current.headers.get("Authorization"))
        key = f"{app.client_id}:{fields.get('username', '')}"
        now.rate_headers = limiter.hit(operation.group, key)
        return None
    caller = now.caller = now.emulator.tokens.authenticate(
        current.headers.get("Authorization"), now.first("access_token")
    )
    key = f"{caller.client_id}:{caller.extension_id}"
    now.rate_headers = limiter.hit(operation.group, key, caller.now)
    if operation.permission not in caller.permissions:
        raise AppPermissionRequired(operation.permission)
    return None


def finish(response: Response) -> Response:
    # werkzeug writes reason phrases in capitals; the platform sends "207 Multi-Status" (A.3).
    response.status = STATUS_LINES.get(response.status_code) or response.status
    now: State | None = g.get("state")
    if now is None:  # the request failed before `prepare` (nothing of ours ran)
        return response
    current = now.request
    if now.judged:
        now.emulator.journal.record(now.described(), now.problems, response.status_code)
    elapsed = (time.perf_counter() - now.started) * 1000
    log.info("%s %s %d %.1fms", current.method, current.path, response.status_code, elapsed)
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
    message = error.description or error.name
    return error_response(refusal(request, error.code or 400, message))


def unexpected_error(error: Exception) -> Response:
    if isinstance(error, SchemaViolation):
        raise error  # our answer broke its schema: a test must see it, not a 500
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(InternalError())
