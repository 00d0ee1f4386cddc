"""OAuth as the platform does it: the token endpoint's grants, bearer tokens, sessions.

No HTTP here: `TokenService` takes the form fields and headers and returns JSON-ready dicts
or raises `OAuthError` / `MockError` subclasses.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import jwt

from mockserver.directory.model import App, Extension
from mockserver.errors import (
    InvalidAuthorizationHeader,
    TokenExpired,
    TokenNotFound,
    client_authentication_required,
    expired_refresh_token,
    invalid_client,
    invalid_grant,
    invalid_request,
    unauthorized_client,
    unsupported_grant,
)
from mockserver.inputs import clamped_number, is_digits
from mockserver.platform.clock import OFFSET_KEY, now_at
from mockserver.platform.credentials import JWT_AUDIENCE
from mockserver.platform.grants import AuthorizationCodes, password_owner, required
from mockserver.platform.issuer import Issuer
from mockserver.platform.janitor import GRACE
from mockserver.storage import Record

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# docs/contract.md#auth-oauth: access_token_ttl 600..3600 (default 3600); refresh up to 30 days (7
# default).
ACCESS_TTL = (600, 3600, 3600)
REFRESH_TTL = (1, 2_592_000, 604_800)
# What a public app may ask for: codes (with PKCE, checked at authorize) and their refresh.
PUBLIC_GRANTS = ("authorization_code", "refresh_token")

ACCESS, REFRESH, SESSION = "access", "refresh", "session"
# An access token starts with its session's ID, so one store round trip can read the token, its
# session and the clock offset together (TokenService.authenticate); the rest is random.
SESSION_ID_LENGTH = 32


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the token's owner and the app it was issued to."""

    account_id: int
    extension_id: int
    client_id: str
    admin: bool
    permissions: frozenset[str]
    now: float  # the emulator's time, read with the token: the rate limiter needs it too


def _ttl(raw: str | None, bounds: tuple[int, int, int]) -> int:
    low, high, default = bounds
    # A number of thousands of digits is only "very large": clamped without being converted.
    found = clamped_number((raw or "").strip(), low, high)
    return default if found is None else found


class TokenService(Issuer):
    @cached_property
    def codes(self) -> AuthorizationCodes:
        """The authorization codes the token endpoint redeems, issued from the same state."""
        return AuthorizationCodes(self.directory, self.store, self.clock, self.janitor, self.keys)

    # -- the token endpoint -------------------------------------------------------------------
    def client(self, form: Mapping[str, str], authorization: str | None) -> App:
        """The app a token-endpoint request authenticates as (spec `getToken`).

        A confidential app proves itself with client_secret_basic: the spec names no other
        method a secret may travel by, so a `client_secret` in the body is not looked at. A
        public app names itself with `client_id` alone. Anything else is `invalid_client`.
        """
        _client_assertion(form)
        if authorization and authorization[:6].lower() == "basic ":
            client_id, secret = _basic(authorization[6:])
            app = self.directory.app(client_id)
            # Bytes: compare_digest refuses str with non-ASCII characters (a 500 once).
            if app is None or not secrets.compare_digest(
                app.client_secret.encode(), secret.encode()
            ):
                raise invalid_client(client_id)
            return app
        client_id = form.get("client_id", "")
        if not authorization and "client_id" not in form:
            raise client_authentication_required()  # the recorded answer (FID-14)
        app = self.directory.app(client_id)
        if app is None or not app.public:
            raise invalid_client(client_id)
        return app

    def grant(self, form: Mapping[str, str], authorization: str | None) -> Record:
        app = self.client(form, authorization)
        grant_type = form.get("grant_type", "")
        if app.public and grant_type not in PUBLIC_GRANTS:
            # A public app cannot keep a secret: only the browser flow with PKCE is for it.
            raise invalid_request("grant_type") if not grant_type else unauthorized_client()
        if grant_type == JWT_GRANT:
            if "assertion" not in form:
                raise invalid_request("assertion")
            owner = self._jwt_owner(form["assertion"])
        elif grant_type == "password":
            owner = password_owner(self.directory, form, self.keys)
        elif grant_type == "authorization_code":
            owner = self.codes.redeem(app, form)
        elif grant_type == "refresh_token":
            return self.refresh(app, form)
        elif not grant_type:
            raise invalid_request("grant_type")
        else:
            raise unsupported_grant(grant_type)
        if not app.serves(owner.account_id):
            raise invalid_grant()  # the same answer as an unknown user: nothing to probe
        return self.issue(app, owner, form)

    def _jwt_owner(self, assertion: str) -> Extension:
        try:
            claims = jwt.decode(
                assertion, self.keys.signing_key, algorithms=["HS256"], audience=JWT_AUDIENCE
            )
            subject = str(claims["sub"])
            owner = self.directory.extension(int(subject)) if is_digits(subject) else None
        except (jwt.PyJWTError, KeyError, ValueError, TypeError):
            raise invalid_grant("Invalid assertion signature") from None
        if owner is None or not owner.type.is_user:
            raise invalid_grant()
        return owner

    def issue(self, app: App, owner: Extension, form: Mapping[str, str]) -> Record:
        """A new session with its first access and refresh token pair."""
        session_id = secrets.token_hex(SESSION_ID_LENGTH // 2)
        return self._pair(app, owner, session_id, form)

    def _pair(self, app: App, owner: Extension, session_id: str, form: Mapping[str, str]) -> Record:
        now = self.clock.now()
        self.janitor.tidy(now)
        access_ttl = _ttl(form.get("access_token_ttl"), ACCESS_TTL)
        refresh_ttl = _ttl(form.get("refresh_token_ttl"), REFRESH_TTL)
        access, refresh = session_id + secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        common = {
            "accountId": owner.account_id,
            "extensionId": owner.id,
            "clientId": app.client_id,
            "sessionId": session_id,
        }
        # Each record may be forgotten a grace period after it expires (janitor.py); the
        # session lives as long as its newest pair (written again with each refresh).
        self.store.put(
            SESSION,
            session_id,
            {"extensionId": owner.id},
            now + max(access_ttl, refresh_ttl) + GRACE,
        )
        self.store.put(
            ACCESS, access, {**common, "expiresAt": now + access_ttl}, now + access_ttl + GRACE
        )
        self.store.put(
            REFRESH,
            refresh,
            {**common, "expiresAt": now + refresh_ttl, "accessTtl": access_ttl},
            now + refresh_ttl + GRACE,
        )
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": access_ttl,
            "refresh_token": refresh,
            "refresh_token_expires_in": refresh_ttl,
            "scope": " ".join(sorted(app.permissions)),
            "owner_id": str(owner.id),
            "endpoint_id": form.get("endpoint_id") or secrets.token_urlsafe(16),
            "session_id": session_id,
        }

    def refresh(self, app: App, form: Mapping[str, str]) -> Record:
        """A new pair for a refresh token, which is good once (docs/contract.md#auth-oauth)."""
        record = self.store.take(REFRESH, required(form, "refresh_token"))
        ours = record is not None and record["clientId"] == app.client_id
        if ours and record is not None and record["expiresAt"] <= self.clock.now():
            raise expired_refresh_token()  # the recorded OAU-210 (decision FID-27)
        if (
            record is None
            or record["clientId"] != app.client_id
            or self.store.get(SESSION, record["sessionId"]) is None
        ):
            raise invalid_grant("Token not found")
        owner = self.directory.extension(record["extensionId"])
        assert owner is not None  # tokens are only issued to directory extensions
        return self._pair(app, owner, record["sessionId"], form)

    def revoke(self, token: str) -> None:
        """End the whole session of an access or refresh token (spec: revokeToken)."""
        record = self.store.get(ACCESS, token) or self.store.get(REFRESH, token)
        if record is not None:
            self.store.take(SESSION, record["sessionId"])

    # -- API calls ------------------------------------------------------------------------------
    def authenticate(self, authorization: str | None, query_token: str | None) -> Caller:
        """Resolve the caller of an API request (docs/contract.md#auth-bearer)."""
        token = _bearer(authorization) if authorization is not None else query_token
        if not token:
            raise InvalidAuthorizationHeader()
        session_id = token[:SESSION_ID_LENGTH]
        record, session, offset = self.store.get_many(
            [(ACCESS, token), (SESSION, session_id), OFFSET_KEY]
        )
        if record is None or session is None or record["sessionId"] != session_id:
            raise TokenNotFound()
        now = now_at(offset)
        if record["expiresAt"] <= now:
            raise TokenExpired()
        owner = self.directory.extension(record["extensionId"])
        app = self.directory.app(record["clientId"])
        if owner is None or app is None:
            raise TokenNotFound()
        return Caller(owner.account_id, owner.id, app.client_id, owner.admin, app.permissions, now)


def _bearer(authorization: str) -> str:
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidAuthorizationHeader()
    return token.strip()


CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _client_assertion(form: Mapping[str, str]) -> None:
    """The spec's other client authentication (RFC 7523 client assertions): a type other than
    its one URN is a bad parameter; an assertion is refused, since no app here has a key to
    check it with (docs/decisions.md)."""
    kind = form.get("client_assertion_type")
    if kind is not None and kind != CLIENT_ASSERTION_TYPE:
        raise invalid_request("client_assertion_type")
    if form.get("client_assertion"):
        raise invalid_client("")


def _basic(encoded: str) -> tuple[str, str]:
    try:
        client_id, _, secret = (
            base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        )
    except (ValueError, UnicodeDecodeError):  # binascii.Error, non-ASCII text, not UTF-8
        raise invalid_client("") from None
    return client_id, secret
