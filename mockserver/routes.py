"""The route table and the framework-neutral handlers of the RingCentral surface."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import parsing
from .auth import Caller, TokenService, claimed_client_id
from .errors import AppPermissionRequired, InvalidParameter, MockError, OAuthError
from .http import Reply, Request
from .ratelimit import RateLimiter
from .service import PresenceService

Handler = Callable[[Request, dict[str, str]], Reply]
CallerHandler = Callable[[Request, dict[str, str], Caller], Reply]

ERROR_SCHEMA = "error"
RECORD_SCHEMA = "presence-info-response"


@dataclass(frozen=True, slots=True)
class Route:
    pattern: re.Pattern[str]
    handlers: dict[str, Handler]


class PresenceRoutes:
    """Handlers for /restapi: presence reads and writes, and the OAuth endpoints."""

    def __init__(
        self, presence: PresenceService, tokens: TokenService, limiter: RateLimiter
    ) -> None:
        self.presence = presence
        self.tokens = tokens
        self.limiter = limiter

    def table(self) -> list[Route]:
        api = r"/restapi/v1\.0/account/(?P<account>[^/]+)"
        # Throttling groups: the spec's x-throttling-group of each operation (Part A.13).
        return [
            _route(
                api + r"/extension/(?P<extension>[^/]+)/presence",
                GET=self._api("light", "ReadPresence", self.get_extension_presence),
                PUT=self._api("medium", "EditPresence", self.put_extension_presence),
            ),
            _route(
                api + r"/presence",
                GET=self._api("heavy", "ReadPresence", self.get_account_presence),
            ),
            _route(r"/restapi/oauth/token", POST=self.token),
            _route(r"/restapi/oauth/revoke", POST=self.revoke),
            _route(r"/restapi/oauth/authorize", GET=self.authorize),
        ]

    def _api(self, group: str, permission: str, handler: CallerHandler) -> Handler:
        """Authenticate, count the request in its group, check the app's permission, run.

        A request that fails authentication has no user to count against, so it is neither
        counted nor given rate-limit headers; every later answer, errors included, carries them.
        """

        def run(request: Request, params: dict[str, str]) -> Reply:
            caller = self.tokens.authenticate(
                request.header("authorization"), parsing.first(request.query, "access_token")
            )
            key = f"{caller.client_id}:{caller.extension_id}"
            headers = self.limiter.hit(group, key, caller.now)
            try:
                if permission not in caller.permissions:
                    raise AppPermissionRequired(permission)
                reply = handler(request, params, caller)
            except (MockError, OAuthError) as error:
                error.headers.update(headers)
                raise
            reply.headers.update(headers)
            return reply

        return run

    def _auth_group(self, request: Request, handler: Handler) -> Reply:
        """The token and revoke endpoints: Auth group keyed by the client the request names,
        plus the username of a password grant, since there is no user yet (docs/decisions.md)."""
        form = request.form()
        key = (
            f"{claimed_client_id(form, request.header('authorization'))}:{form.get('username', '')}"
        )
        headers = self.limiter.hit("auth", key)
        try:
            reply = handler(request, {})
        except (MockError, OAuthError) as error:
            error.headers.update(headers)
            raise
        reply.headers.update(headers)
        return reply

    def get_extension_presence(
        self, request: Request, params: dict[str, str], caller: Caller
    ) -> Reply:
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

    def put_extension_presence(
        self, request: Request, params: dict[str, str], caller: Caller
    ) -> Reply:
        if "," in params["extension"]:
            raise InvalidParameter("extensionId")
        changes = parsing.update_body(request.body)
        body = self.presence.update(
            request.base_url, caller, params["account"], params["extension"], changes
        )
        return Reply(200, body, RECORD_SCHEMA)

    def get_account_presence(
        self, request: Request, params: dict[str, str], caller: Caller
    ) -> Reply:
        view = parsing.view(request.query)
        page = parsing.page(request.query)
        extra = parsing.flags_as_given(request.query)
        body = self.presence.read_page(
            request.base_url, caller, params["account"], page, view, extra
        )
        return Reply(200, body, "account-presence-info")

    def token(self, request: Request, _params: dict[str, str]) -> Reply:
        return self._auth_group(request, self._token)

    def _token(self, request: Request, _params: dict[str, str]) -> Reply:
        body = self.tokens.grant(request.form(), request.header("authorization"))
        return Reply(200, body, "token-info")

    def revoke(self, request: Request, _params: dict[str, str]) -> Reply:
        return self._auth_group(request, self._revoke)

    def _revoke(self, request: Request, _params: dict[str, str]) -> Reply:
        form = request.form()
        self.tokens.client(form, request.header("authorization"))
        token = form.get("token") or parsing.first(request.query, "token") or ""
        self.tokens.revoke(token)
        return Reply(200)

    def authorize(self, request: Request, _params: dict[str, str]) -> Reply:
        """A browser's authorization request: 302 back to redirect_uri with a code (or error)."""
        query = {name: values[0] for name, values in request.query.items() if values}
        location = self.tokens.codes.authorize(query)
        return Reply(302, headers={"Location": location})


def _route(pattern: str, **handlers: Handler) -> Route:
    return Route(re.compile(pattern), handlers)
