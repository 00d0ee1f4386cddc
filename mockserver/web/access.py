"""The access rule (mockserver/access.py) on the REST app's requests, and `nosniff` on its answers.

`hooks.prepare` asks `refused` for every request, after the emulator's size limits and before
anything reads the request: a Host that names another server, a locked control (`--controls`)
or a cross-site write is answered here in the platform's shape. The in-process mode is not
judged: nothing there came over a socket, and its Host is the real platform's name.
"""

from __future__ import annotations

from flask import Flask, Request, Response

from mockserver import access
from mockserver.chaos import INPROCESS
from mockserver.errors import MockError
from mockserver.web.context import emulator


def install(app: Flask) -> None:
    app.after_request(nosniff)


def refused(request: Request) -> MockError | None:
    environ = request.environ
    if environ.get(INPROCESS):
        return None
    if access.surface_of(request.path) is access.Surface.PLATFORM:
        # The platform's own surface is judged by its Host alone (access.refusal): read that
        # one header, not the five the other surfaces need.
        host = environ.get("HTTP_HOST")
        settings = emulator().settings
        if host is None or access.host_allowed(host, settings):
            return None
        return access.HostRefused(host)
    length = environ.get("CONTENT_LENGTH")
    has_body = bool(length and length != "0") or (
        "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    )
    asked = access.Asked.of(
        request.method, request.path, request.headers.get, has_body, peer=request.remote_addr
    )
    return access.refusal(emulator().settings, asked)


def nosniff(response: Response) -> Response:
    """Every answer, errors and the board's files included: its type is what it says."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
