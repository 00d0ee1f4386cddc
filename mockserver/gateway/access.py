"""The access rule (mockserver/access.py) on the gateway's requests, and `nosniff` on its answers.

Everything the gateway serves but the platform's WebSocket (`/ws`, which its own token guards)
goes through `guarded`: a Host that names another server, a locked control (`--controls`: the
event stream is gone under `off` and wants the secret or a board ticket under `token`) and a
route the gateway does not serve are answered in the platform's error shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from mockserver import access
from mockserver.config import Settings
from mockserver.errors import MethodNotAllowed, MockError, ResourceNotFound

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def install(app: web.Application, settings: Settings) -> None:
    app.middlewares.append(guard(settings))
    app.on_response_prepare.append(_nosniff)


def asked_of(request: web.Request) -> access.Asked:
    ticket = request.query.get(access.TICKET_PARAMETER)
    return access.Asked.of(
        request.method,
        request.path,
        request.headers.get,
        request.body_exists,
        ticket,
        peer=request.remote,
    )


def error_response(error: MockError) -> web.Response:
    return web.json_response(error.to_body(), status=error.status, headers=error.headers)


def guard(settings: Settings) -> Middleware:
    @web.middleware
    async def guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
        refused = access.refusal(settings, asked_of(request))
        if refused is not None:
            return error_response(refused)
        try:
            return await handler(request)
        except web.HTTPMethodNotAllowed as error:
            allowed = ", ".join(sorted(error.allowed_methods))
            return error_response(MethodNotAllowed(headers={"Allow": allowed}))
        except web.HTTPNotFound:
            return error_response(ResourceNotFound("uri"))

    return guarded


async def _nosniff(_: web.Request, response: web.StreamResponse) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
