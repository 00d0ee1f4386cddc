"""The WSGI transport: environ in, `Emulator.handle`, bytes out, with no framework between.

Why not Flask: the emulator routes every request itself, so a framework would only translate
twice (environ to its request, its request to ours; ours to its response). Measured in issue 5,
that translation was about half the CPU of a single-extension GET, and the benchmark's target
(0.8x a bare Flask route on the same server) leaves no room for it. The request is read here
exactly as werkzeug reads it for Flask (tests/test_wsgi.py compares the two on the same
environs), and any WSGI server can serve the app: werkzeug for one process, gunicorn for many.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from .http import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from werkzeug.test import Client

    from .emulator import Emulator

# HTTP forbids a body, and so a Content-Length, on these (RFC 9110 8.6, 15.3.5, 15.4.5).
NO_BODY = frozenset({204, 304})
# CONTENT_TYPE and CONTENT_LENGTH are the two request headers WSGI does not prefix with HTTP_.
UNPREFIXED = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


class EmulatorApp:
    """The WSGI app `presence-mock serve` runs. `emulator` is the core behind it."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = request_from(environ)
        response = self.emulator.handle(request)
        start_response(_status_line(response.status), _header_list(response))
        if request.method == "HEAD" or response.status in NO_BODY:
            return []
        return [response.body]

    def test_client(self) -> Client:
        """A werkzeug test client over this app, as Flask's `app.test_client()` gives."""
        from werkzeug.test import Client

        return Client(self)


def request_from(environ: WSGIEnvironment) -> Request:
    """The neutral Request of a WSGI environ, read as werkzeug reads it for Flask."""
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
        elif key in UNPREFIXED and value:
            headers[UNPREFIXED[key]] = value
    scheme = environ.get("wsgi.url_scheme", "http")
    return Request(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        # PEP 3333 carries the raw bytes as latin-1; URLs are UTF-8, as werkzeug assumes.
        path="/" + _utf8(environ.get("PATH_INFO", "")).lstrip("/"),
        query=_query(environ.get("QUERY_STRING", "")),
        headers=headers,
        body=_body(environ),
        base_url=f"{scheme}://{_host(environ, scheme)}",
    )


def _utf8(raw: str) -> str:
    return raw.encode("latin-1").decode("utf-8", "replace")


def _query(raw: str) -> dict[str, list[str]]:
    return parse_qs(raw, keep_blank_values=True) if raw else {}


def _host(environ: WSGIEnvironment, scheme: str) -> str:
    """The Host header, or the server's name and port; the scheme's default port is dropped."""
    host = environ.get("HTTP_HOST")
    if host is None:
        host = f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    default = ":443" if scheme == "https" else ":80"
    return host.removesuffix(default)


def _body(environ: WSGIEnvironment) -> bytes:
    stream: Any = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH", "")
    if length.isdigit():
        return bytes(stream.read(int(length))) if int(length) else b""
    # No length: a chunked body, which the server has de-chunked and marked as terminated.
    return bytes(stream.read()) if environ.get("wsgi.input_terminated") else b""


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _header_list(response: Response) -> list[tuple[str, str]]:
    headers = list(response.headers.items())
    if response.status not in NO_BODY:
        headers.append(("Content-Length", str(len(response.body))))
    return headers
