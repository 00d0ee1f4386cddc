"""What every request goes through, whichever view answers it (or none does).

* first, past the emulator's size limits: the access rule (mockserver/web/access.py: the Host, the
  controls lock, cross-site writes);
* before: /restapi requests are judged by the request rules (in strict mode a violating one is
  refused with the platform's 400 before anything else runs); then the operation's entry in the
  route table decides the rest: an API operation authenticates the caller, counts the request
  in its throttling group and checks its app permission, in that order
  (docs/contract.md#auth-bearer: a request that fails authentication has no user to count
  against, so it gets no rate-limit headers); the token endpoints authenticate the client first
  (a failure stores nothing) and count in the Auth group, keyed by the client plus the username
  of a password grant, since there is no user yet (docs/decisions.md);
* errors: every error, Flask's own 404 and 405 included, is answered in the platform's shape;
  a bug is logged and answered as a 500 in that shape, never as an HTML page; a store that
  cannot be reached is 503 CMN-201 with Retry-After, said in the log once per outage, and while
  it lasts requests are refused so before they touch it (storage/outage.py);
* after: the request and its verdict go to the journal, and one log line is written: method,
  path and query (credentials masked, control characters escaped: redaction.py), status, time,
  the journal's verdict (`-` outside /restapi) and the error code of an error. (The rate-limit
  headers gathered on the way are added by rendering.py, which makes every answer.)
"""

from __future__ import annotations

import logging
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

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
from mockserver.redaction import escape, mask_query, mask_text, query_text
from mockserver.scaleout.requestlog import log_request
from mockserver.schemas import SchemaViolation
from mockserver.storage.outage import is_outage, store_unavailable
from mockserver.validation import request_rules
from mockserver.web import access, chaos_api
from mockserver.web.context import State, emulator
from mockserver.web.forms import form_fields
from mockserver.web.limits import past_limits, refusal
from mockserver.web.rendering import error_response
from mockserver.web.routing import advertised_methods

log = logging.getLogger("presence_mock")
JUDGED_PREFIX = "/restapi/"
HEALTH = "controls.health"  # answers for itself, store down or not
STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def install(app: Flask) -> None:
    app.before_request(prepare)
    app.after_request(finish)
    app.register_error_handler(MockError, error_response)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)


def prepare() -> Response | None:
    current = request._get_current_object()  # type: ignore[attr-defined]
    state = g.state = State.begin(current, time.perf_counter())
    if current.endpoint != HEALTH and not state.emulator.outage.available():
        return error_response(store_unavailable())
    # Latency and faults, one cheap check when there are no rules (mockserver/web/chaos_api.py).
    judged = current.path.startswith(JUDGED_PREFIX)
    if judged and (state.emulator.chaos.armed() or "HTTP_PREFER" in current.environ):
        broken = chaos_api.begin(state)
        if broken is not None:
            return broken
    refused = past_limits(current) or access.refused(current)
    if refused is not None:
        return error_response(refused)
    if judged:
        state.judged = True
        operation = state.operation
        matched = (operation, current.view_args or {}) if operation is not None else None
        state.problems = request_rules.check_request(state.described(), matched)
        if state.problems and state.emulator.settings.strict_requests:
            return error_response(state.problems[0].error())
    operation = state.operation
    if operation is None or operation.group is None:
        return None
    limiter = state.emulator.limiter
    if operation.permission is None:  # the token endpoints: no user yet
        fields = form_fields(current)
        # The client is authenticated before it is counted: a request with a made-up client
        # must leave nothing in the store (its key would never be read again).
        app = state.emulator.tokens.client(fields, current.headers.get("Authorization"))
        key = f"{app.client_id}:{fields.get('username', '')}"
        state.rate_headers = limiter.hit(operation.group, key)
        return None
    authorization = current.environ.get("HTTP_AUTHORIZATION")
    # The query's token counts only without the header (tokens.authenticate): read it then.
    query_token = state.first("access_token") if authorization is None else None
    caller = state.caller = state.emulator.tokens.authenticate(authorization, query_token)
    key = f"{caller.client_id}:{caller.extension_id}"
    state.rate_headers = limiter.hit(operation.group, key, caller.now)
    if operation.permission not in caller.permissions:
        raise AppPermissionRequired(operation.permission)
    return None


def finish(response: Response) -> Response:
    # werkzeug writes reason phrases in capitals; the platform sends "207 Multi-Status" (ERR-5).
    line = STATUS_LINES.get(response.status_code)
    if line is not None and line != response.status:
        response.status = line
    state: State | None = g.get("state")
    if state is None:  # the request failed before `prepare` (nothing of ours ran)
        return response
    if state.fault is not None:
        response = chaos_api.finish(state, response)
    if state.judged and not state.emulator.outage.down:
        status = 0 if state.fault is not None and not state.fault.answered else response.status_code
        try:
            elapsed = round((time.perf_counter() - state.started) * 1000, 3)
            state.emulator.journal.record(
                state.described(),
                state.problems,
                status,
                state.error_code,
                state.fault,
                elapsed_ms=elapsed,
            )
        except Exception as error:  # the store went away while the request was served
            if not is_outage(error):
                raise
            state.emulator.outage.failed(error)
    level = logging.DEBUG if _the_boards_own(state) else logging.INFO
    if log.isEnabledFor(level):
        _log_line(state, response.status_code, level)
    return response


BOARD_PAGES = ("/", "/_mock/board", "/_mock/board/")
MAX_RULE_TEXT = 300  # characters of the broken rules a log line names


def _the_boards_own(state: State) -> bool:
    """A read the presence board's page makes by itself (its files, rows and polls, each with
    the page as its Referer): logged at debug, so the info log is what clients and people did.
    Opening the page, and what a person does on it (a presence set, a call rung: writes), stay
    at info."""
    current = state.request
    if current.method not in ("GET", "HEAD") or current.path.startswith(JUDGED_PREFIX):
        return False
    referrer = urlsplit(current.headers.get("Referer", ""))
    return referrer.netloc == current.host and referrer.path in BOARD_PAGES


def _broken_rules(state: State) -> str:
    """The rules a request broke, in words (`perPage must be a positive whole number`)."""
    said = "; ".join(dict.fromkeys(problem.message for problem in state.problems))
    if len(said) > MAX_RULE_TEXT:
        said = said[: MAX_RULE_TEXT - 3] + "..."
    return escape(mask_text(said))


def _log_line(state: State, status: int, level: int = logging.INFO) -> None:
    current = state.request
    elapsed = round((time.perf_counter() - state.started) * 1000, 1)
    path = _shown_path(current.path)
    query = query_text(mask_query(state.query)) if state.query else ""
    verdict = ("violation" if state.problems else "ok") if state.judged else "-"
    code = state.error_code if status >= 400 else None
    method = escape(current.method)
    broken = _broken_rules(state) if state.problems else ""

    def fields() -> dict[str, Any]:
        # What the JSON log format writes (cli/logs.py); text writes the message only.
        found: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": query,
            "status": status,
            "ms": elapsed,
            "verdict": verdict,
            "errorCode": code,
        }
        if broken:
            found["rules"] = broken
        return found

    target = f"{path}?{query}" if query else path
    line = f"{method} {target} {status} {elapsed}ms {verdict}"
    line += f" {escape(code)}" if code else ""
    line += f" ({broken})" if broken else ""
    log_request(log, level, line, fields)


# A client asks the same few paths again and again: each one masked and escaped once, up to this
# many paths of up to this length.
_SHOWN_PATHS = 4096
_SHOWN_LENGTH = 512
_shown: dict[str, str] = {}


def _shown_path(path: str) -> str:
    shown = _shown.get(path)
    if shown is None:
        shown = escape(mask_text(path))
        if len(path) <= _SHOWN_LENGTH:
            if len(_shown) >= _SHOWN_PATHS:
                _shown.clear()
            _shown[path] = shown
    return shown


def http_error(error: HTTPException) -> Response:
    """Flask's own refusals (no such route, wrong method, ...) in the platform's shape."""
    if isinstance(error, RoutingMethodNotAllowed):
        allowed = ", ".join(advertised_methods(error.valid_methods or ()))
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
    if is_outage(error):  # not a bug: the store is down (said once, in Outage)
        emulator().outage.failed(error)
        return error_response(store_unavailable())
    log.exception("unexpected error on %s %s", escape(request.method), escape(request.path))
    return error_response(InternalError())
