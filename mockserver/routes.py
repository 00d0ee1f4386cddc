"""The route table and the framework-neutral handlers of the RingCentral surface."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import parsing
from .auth import Caller, TokenService
from .errors import AppPermissionRequired, InvalidParameter
from .http import Reply, Request
from .service import PresenceService

Handler = Callable[[Request, dict[str, str]], Reply]

ERROR_SCHEMA = "error"
RECORD_SCHEMA = "presence-info-response"


@dataclass(frozen=True, slots=True)
class Route:
    pattern: re.Pattern[str]
    handlers: dict[str, Handler]


class PresenceRoutes:
    """Handlers for /restapi: presence reads and writes, and the OAuth endpoints."""

    def __init__(self, presence: PresenceService, tokens: TokenService) -> None:
        self.presence = presence
        self.tokens = tokens

    def table(self) -> list[Route]:
        api = r"/restapi/v1\.0/account/(?P<account>[^/]+)"
        return [
            _route(
                api + r"/extension/(?P<extension>[^/]+)/presence",
                GET=self.get_extension_presence,
                PUT=self.put_extension_presence,
            ),
            _route(api + r"/presence", GET=self.get_account_presence),
            _route(r"/restapi/oauth/token", POST=self.token),
            _route(r"/restapi/oauth/revoke", POST=self.revoke),
        ]

    def _caller(self, request: Request, permission: str) -> Caller:
        caller = self.tokens.authenticate(
            request.header("authorization"), parsing.first(request.query, "access_token")
        )
        if permission not in caller.permissions:
            raise AppPermissionRequired(permission)
        return caller

    def get_extension_presence(self, request: Request, params: dict[str, str]) -> Reply:
        caller = self._caller(request, "ReadPresence")
        view = parsing.view(request.query)
        ids = parsing.extension_ids(params["extension"])
        base = request.base_url
        if len(ids) == 1:
            body = self.presence.read_one(base, caller, params["account"], ids[0], view)
            return Reply(200, body, RECORD_SCHEMA)
        status, bodies = self.presence.read_batch(base, caller, params["account"], ids, view)
        parts = [(status, "batch-status")]
        parts += [
            (body, RECORD_SCHEMA if item["status"] == 200 else ERROR_SCHEMA)
            for body, item in zip(bodies, status["response"], strict=True)
        ]
        return Reply(207, parts=parts)

    def put_extension_presence(self, request: Request, params: dict[str, str]) -> Reply:
        caller = self._caller(request, "EditPresence")
        if "," in params["extension"]:
            raise InvalidParameter("extensionId")
        changes = parsing.update_body(request.body)
        body = self.presence.update(
            request.base_url, caller, params["account"], params["extension"], changes
        )
        return Reply(200, body, RECORD_SCHEMA)

    def get_account_presence(self, request: Request, params: dict[str, str]) -> Reply:
        caller = self._caller(request, "ReadPresence")
        view = parsing.view(request.query)
        page = parsing.page(request.query)
        extra = parsing.flags_as_given(request.query)
        body = self.presence.read_page(
            request.base_url, caller, params["account"], page, view, extra
        )
        return Reply(200, body, "account-presence-info")

    def token(self, request: Request, _params: dict[str, str]) -> Reply:
        body = self.tokens.grant(request.form(), request.header("authorization"))
        return Reply(200, body, "token-info")

    def revoke(self, request: Request, _params: dict[str, str]) -> Reply:
        form = request.form()
        self.tokens.client(form, request.header("authorization"))
        token = form.get("token") or parsing.first(request.query, "token") or ""
        self.tokens.revoke(token)
        return Reply(200)


def _route(pattern: str, **handlers: Handler) -> Route:
    return Route(re.compile(pattern), handlers)
