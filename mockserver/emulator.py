"""The emulator core: one object that turns a neutral Request into a Response.

Both transports (the WSGI app in wsgi.py, the in-process `responses` mock) call `Emulator.handle`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from . import request_rules, schemas
from .admin import AdminRoutes
from .auth import TokenService
from .clock import Clock
from .config import Settings
from .directory import build_directory
from .errors import InternalError, MethodNotAllowed, MockError, OAuthError, ResourceNotFound
from .fixture_format import load_fixture
from .http import Reply, Request, Response
from .journal import Journal
from .model import Directory
from .ratelimit import RateLimiter
from .routes import ERROR_SCHEMA, PresenceRoutes, Route
from .service import PresenceService
from .storage import Store, store_from_url
from .wire import JSON_TYPE, dumps, multipart

log = logging.getLogger("presence_mock")


@dataclass(frozen=True, slots=True)
class Matched:
    route: Route
    params: dict[str, str]


class Emulator:
    def __init__(self, settings: Settings, directory: Directory, store: Store) -> None:
        self.settings = settings
        self.directory = directory
        self.store = store
        self.clock = Clock(store)
        self.tokens = TokenService(directory, store, self.clock)
        self.presence = PresenceService(directory, store)
        # Several processes write to a SQLite or Redis store; the memory store is this one's.
        self.journal = Journal(store, shared=not settings.store.startswith("memory:"))
        self.limiter = RateLimiter.from_settings(settings, store, self.clock)
        self.routes: list[Route] = [
            *PresenceRoutes(self.presence, self.tokens, self.limiter).table(),
            *AdminRoutes(self).table(),
        ]

    @classmethod
    def from_settings(cls, settings: Settings) -> Emulator:
        if settings.fixture:
            directory = load_fixture(settings.fixture)
        else:
            directory = build_directory(settings.seed, settings.extensions)
        return cls(settings, directory, store_from_url(settings.store))

    def reset(self) -> None:
        self.store.reset()
        self.journal.clear()

    # -- dispatch -------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        judged = request.path.startswith("/restapi/")
        found = request_rules.check(request) if judged else []
        if found and self.settings.strict_requests:
            reply = self._refusal(found[0])
        else:
            reply = self._reply(request)
        response = self._render(reply)
        if judged:
            self.journal.record(request, found, response.status)
        elapsed = (time.perf_counter() - started) * 1000
        log.info("%s %s %d %.1fms", request.method, request.path, response.status, elapsed)
        return response

    def _reply(self, request: Request) -> Reply:
        try:
            matched = self._match(request.path)
            handler = matched.route.handlers.get(request.method)
            if handler is None:
                allowed = ", ".join(sorted(matched.route.handlers))
                raise MethodNotAllowed(headers={"Allow": allowed})
            return handler(request, matched.params)
        except MockError as error:
            return _error_reply(error)
        except OAuthError as error:
            return Reply(error.status, error.to_body(), "oauth-error", dict(error.headers))
        except schemas.SchemaViolation:
            raise
        except Exception:  # a bug: log it, answer in the platform's shape
            log.exception("unexpected error on %s %s", request.method, request.path)
            return _error_reply(InternalError())

    def _refusal(self, problem: request_rules.RuleProblem) -> Reply:
        return _error_reply(problem.error())

    def _match(self, path: str) -> Matched:
        for route in self.routes:
            found = route.pattern.fullmatch(path)
            if found:
                return Matched(route, found.groupdict())
        raise ResourceNotFound("uri")

    def _render(self, reply: Reply) -> Response:
        headers = dict(reply.headers)
        if reply.parts is not None:
            self._check_parts(reply.parts)
            content_type, body = multipart([part for part, _ in reply.parts])
            headers["Content-Type"] = content_type
            return Response(reply.status, headers, body)
        if reply.body is None:
            return Response(reply.status, headers, b"")
        if self.settings.validate_responses and reply.schema:
            schemas.check(reply.schema, reply.body, strict=True)
        headers["Content-Type"] = JSON_TYPE
        return Response(reply.status, headers, dumps(reply.body))

    def _check_parts(self, parts: list[tuple[Any, str]]) -> None:
        if self.settings.validate_responses:
            for body, schema in parts:
                schemas.check(schema, body, strict=True)


def _error_reply(error: MockError) -> Reply:
    return Reply(error.status, error.to_body(), ERROR_SCHEMA, dict(error.headers))
