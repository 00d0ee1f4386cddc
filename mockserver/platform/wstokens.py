"""WebSocket tokens (docs/contract.md#websocket-token): what `POST /restapi/oauth/wstoken` hands out
and what the gateway's upgrade (`/ws?access_token=`) accepts.

A token is a random string kept in the store (so any worker issues it and the gateway process,
or another replica, accepts it) with the OAuth session it was issued under: revoking the
session makes its WebSocket tokens worthless too, and session recovery
(docs/contract.md#websocket-recovery) compares sessions. It may be used again within its TTL (the
extensible SDK, `@rc-ex/ws`, reuses it on reconnect).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from mockserver.errors import TokenExpired, TokenNotFound
from mockserver.platform.clock import Clock
from mockserver.platform.janitor import GRACE, Janitor
from mockserver.platform.tokens import SESSION, SESSION_ID_LENGTH, Caller
from mockserver.storage import Records

WS_TOKEN = "wstoken"
WS_TOKEN_TTL = 600  # expires_in 600 (docs/contract.md#websocket-token)


@dataclass(frozen=True, slots=True)
class WsGrant:
    """Who a WebSocket token was issued to, and under which OAuth session."""

    account_id: int
    extension_id: int
    client_id: str
    session_id: str


def session_of(authorization: str | None, query_token: str | None) -> str:
    """The OAuth session of a request the hooks have already authenticated (an access token
    starts with its session's ID: tokens.py)."""
    token = query_token or ""
    if authorization is not None:
        token = authorization.strip().partition(" ")[2].strip()
    return token[:SESSION_ID_LENGTH]


class WsTokens:
    def __init__(self, store: Records, clock: Clock, janitor: Janitor) -> None:
        self.store = store
        self.clock = clock
        self.janitor = janitor

    def issue(self, caller: Caller, session_id: str) -> tuple[str, int]:
        """A new token for the caller's session, and its lifetime in seconds."""
        now = caller.now
        self.janitor.tidy(now)
        token = secrets.token_urlsafe(32)
        record = {
            "accountId": caller.account_id,
            "extensionId": caller.extension_id,
            "clientId": caller.client_id,
            "sessionId": session_id,
            "expiresAt": now + WS_TOKEN_TTL,
        }
        self.store.put(WS_TOKEN, token, record, now + WS_TOKEN_TTL + GRACE)
        return token, WS_TOKEN_TTL

    def resolve(self, token: str) -> WsGrant:
        """The grant of a token presented on the upgrade; TokenNotFound / TokenExpired (401)
        for an unknown one, one whose session has ended, or one past its TTL."""
        if not token:
            raise TokenNotFound()
        record = self.store.get(WS_TOKEN, token)
        if record is None or self.store.get(SESSION, record["sessionId"]) is None:
            raise TokenNotFound()
        if record["expiresAt"] <= self.clock.now():
            raise TokenExpired()
        return WsGrant(
            record["accountId"], record["extensionId"], record["clientId"], record["sessionId"]
        )
