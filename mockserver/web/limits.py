"""The emulator's own limits on a request, and refusals in the platform's shape.

A request past a limit is refused before any view reads it: 414 for a URI, 431 for headers,
413 for a body (Flask's MAX_CONTENT_LENGTH). granian, which `serve` runs, hands the app requests
far larger than these, so a client meets ours, answered in the platform's error shape (and
werkzeug's development server under `flask run` reads up to a 64 KiB request line). On the token
endpoints the shape is OAuth's (docs/contract.md#auth-oauth), as for every other error there.
"""

from __future__ import annotations

from flask import Request

from mockserver.errors import HttpRefusal, MockError, OAuthError
from mockserver.operations import OAUTH_PREFIX

MAX_URI_BYTES = 4000  # path and query as sent
MAX_HEADER_FIELD_BYTES = 8000  # name and value of one header
MAX_HEADER_BYTES = 32 * 1024  # all of them
MAX_HEADER_COUNT = 90  # werkzeug's development server reads at most 100
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
    # Straight from the environ: werkzeug's header view would rebuild every name first.
    sizes = [len(key) - 5 + len(value) for key, value in environ.items() if key[:5] == "HTTP_"]
    if (
        len(sizes) > MAX_HEADER_COUNT
        or sum(sizes) > MAX_HEADER_BYTES
        or max(sizes, default=0) > MAX_HEADER_FIELD_BYTES
    ):
        return refusal(request, 431, "The request's header fields are too large.")
    return None
