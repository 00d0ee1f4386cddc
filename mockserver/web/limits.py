"""The emulator's own limits on a request, and refusals in the platform's shape.

A request past a limit is refused before any view reads it: 414 for a URI, 431 for headers,
413 for a body (Flask's MAX_CONTENT_LENGTH). The limits sit below those of the servers that run
the app (werkzeug's 64 KiB request line, gunicorn's 4094-byte line and 8190-byte header field),
so a client meets ours, answered in the platform's error shape, not a server's HTML page. On the
token endpoints the shape is OAuth's (Part A.12), as for every other error there.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Request
from werkzeug.serving import WSGIRequestHandler

from mockserver.errors import HttpRefusal, MockError, OAuthError
from mockserver.operations import OAUTH_PREFIX

MAX_URI_BYTES = 4000  # path and query as sent; gunicorn's request line holds 4094
MAX_HEADER_FIELD_BYTES = 8000  # name and value of one header; gunicorn's limit is 8190
MAX_HEADER_BYTES = 32 * 1024  # all of them
MAX_HEADER_COUNT = 90  # werkzeug's server reads at most 100, gunicorn's 100
MAX_BODY_BYTES = 64 * 1024  # the largest body the platform takes here is a presence PUT


def refusal(request: Request, status: int, message: str) -> MockError:
    """A refusal of `status` in the shape of the endpoint the request was for."""
    if request.path.startswith(OAUTH_PREFIX + "/") and request.path != OAUTH_PREFIX + "/authorize":
        return OAuthError("invalid_request", "CMN-101", message, status)
    return HttpRefusal(status, message)


def past_limits(request: Request) -> MockError | None:
    """The refusal of a request past one of the emulator's limits, or None."""
    environ = request.environ
    uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    uri_bytes = (
        len(uri)
        if uri
        else len(environ.get("PATH_INFO", "")) + 1 + len(environ.get("QUERY_STRING", ""))
    )
    if uri_bytes > MAX_URI_BYTES:
        return refusal(request, 414, f"The URI is longer than {MAX_URI_BYTES} bytes.")
    sizes = [len(name) + len(value) for name, value in request.headers.items()]
    if (
        len(sizes) > MAX_HEADER_COUNT
        or sum(sizes) > MAX_HEADER_BYTES
        or max(sizes, default=0) > MAX_HEADER_FIELD_BYTES
    ):
        return refusal(request, 431, "The request's header fields are too large.")
    return None


class PlatformErrorsHandler(WSGIRequestHandler):
    """werkzeug's development server, but what it refuses by itself (a request line or header
    it cannot read) is answered with the platform's JSON error, not Python's HTML page."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, phrase)
        self.send_header("Connection", "close")
        item = {"errorCode": "CMN-101", "message": phrase}
        body = json.dumps({**item, "errors": [item]}).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
