"""A WSGI application answering a `requests.PreparedRequest` directly, as a server would call it.

The environ is built straight from the prepared request (method, path, query, headers, body) and
the application is called with it; its status, header list and body chunks come back as they
are. Werkzeug's test client would do the same through an `EnvironBuilder`, a `Request` built from
it and a `TestResponse` around the answer, which cost more than a bare Flask route's whole
request (decision PERF-20). What does not change between requests (the constant keys, the
server's name and port of each base URL, the environ name of each header) is kept.

What the application sees is what a WSGI server hands it: `PATH_INFO` percent-decoded to bytes
read as latin-1 (PEP 3333), the query string as sent (repeated keys kept), every header as an
`HTTP_` key but Content-Type and Content-Length, the body whole in `wsgi.input` with its length
and `wsgi.input_terminated` (as a server that read it all says; neither without a body),
`RAW_URI` as sent.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from requests import PreparedRequest

# status, headers in the order the application gave them (repeated names kept), body
WsgiAnswer = tuple[int, list[tuple[str, str]], bytes]
StartResponse = Callable[..., Callable[[bytes], object]]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_OWN_KEYS = {"CONTENT_TYPE": "CONTENT_TYPE", "CONTENT_LENGTH": "CONTENT_LENGTH"}


class WsgiCaller:
    """Calls `app` with the environ of a prepared request; `extra` goes into every environ."""

    def __init__(self, app: WsgiApp, extra: Mapping[str, Any] | None = None) -> None:
        self.app = app
        self._base: dict[str, Any] = {
            "SCRIPT_NAME": "",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            **(extra or {}),
        }
        self._origins: dict[str, dict[str, str]] = {}  # by scheme://netloc

    def __call__(self, prepared: PreparedRequest) -> WsgiAnswer:
        """The application's answer to `prepared`: exceptions it raises (while answering or
        while its body is read) reach the caller; its body iterator is closed either way."""
        environ = self.environ(prepared)
        started: list[Any] = []
        written: list[bytes] = []  # what the application gave `write` (Flask never does)

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            started[:] = (status, headers)
            return written.append

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if written:
            body = b"".join(written) + body
        status, headers = started
        return int(status[:3]), headers, body

    def environ(self, prepared: PreparedRequest) -> dict[str, Any]:
        url = prepared.url or "/"
        scheme_end = url.find("://")
        path_start = url.find("/", scheme_end + 3) if scheme_end >= 0 else 0
        origin = url[:path_start] if path_start >= 0 else url
        target = url[path_start:] if path_start >= 0 else "/"
        target = target.partition("#")[0]
        path, _, query = target.partition("?")
        environ = dict(self._base)
        environ.update(self._origins.get(origin) or self._origin(origin))
        environ["REQUEST_METHOD"] = prepared.method or "GET"
        environ["PATH_INFO"] = unquote_to_bytes(path or "/").decode("latin-1")
        environ["QUERY_STRING"] = query
        environ["RAW_URI"] = environ["REQUEST_URI"] = target or "/"
        environ["wsgi.errors"] = sys.stderr
        for name, value in prepared.headers.items():
            key = _KEYS.get(name) or _key(name)
            environ[key] = value.decode("latin-1") if isinstance(value, bytes) else value
        body = body_of(prepared)
        environ["wsgi.input"] = io.BytesIO(body)
        if body:  # none: no length, so the app does not read an empty stream
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input_terminated"] = True
        return environ

    def _origin(self, origin: str) -> dict[str, str]:
        scheme, _, netloc = origin.partition("://")
        host, colon, port = netloc.rpartition(":")
        if not colon or "]" in port:  # no port, or an IPv6 address without one
            host, port = netloc, _DEFAULT_PORTS.get(scheme, "80")
        found = {
            "wsgi.url_scheme": scheme or "http",
            "SERVER_NAME": host.strip("[]") or "localhost",
            "SERVER_PORT": port,
            "HTTP_HOST": netloc or "localhost",
        }
        if len(self._origins) < 64:
            self._origins[origin] = found
        return found


_KEYS: dict[str, str] = {}  # a header's name -> its environ key


def _key(name: str) -> str:
    upper = name.upper().replace("-", "_")
    key = _OWN_KEYS.get(upper) or "HTTP_" + upper
    if len(_KEYS) < 512:
        _KEYS[name] = key
    return key


def body_of(prepared: PreparedRequest) -> bytes:
    """The prepared request's whole body as bytes (a file or a generator read to its end)."""
    body = prepared.body or b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    chunks = body.read() if hasattr(body, "read") else body  # a file, or a generator: all of it
    if isinstance(chunks, bytes | str):
        chunks = [chunks]
    return b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in chunks)
