"""The password grant and the authorization-code flow (authorize, then redeem with PKCE).

`TokenService.grant` calls these to learn who the token is for; issuing tokens stays in tokens.py.
Codes live in the store (namespace `code`), so any worker can redeem a code another issued.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from mockserver.directory.model import App, Directory, Extension
from mockserver.errors import (
    OAuthError,
    code_of_other_client,
    expired_code,
    invalid_client,
    invalid_code,
    invalid_grant,
    invalid_request,
    redirect_mismatch,
)
from mockserver.inputs import is_digits
from mockserver.platform.credentials import Keys
from mockserver.platform.issuer import Issuer
from mockserver.platform.janitor import GRACE
from mockserver.platform.users import find_user, password_matches, username

CODE = "code"
CODE_TTL = 60  # seconds; codes are short-lived and good once (docs/decisions.md)
CHALLENGE_METHODS = ("S256", "plain")


def required(form: Mapping[str, str], name: str) -> str:
    """A field the grant cannot do without: absent or empty is `invalid_request`."""
    value = form.get(name, "")
    if not value:
        raise invalid_request(name)
    return value


def password_owner(directory: Directory, form: Mapping[str, str], keys: Keys) -> Extension:
    """`grant_type=password`: username (E.164, + optional), password, optional extension."""
    login = required(form, "username")
    given = required(form, "password")
    owner = find_user(directory, login, form.get("extension") or None)
    if owner is None or not password_matches(owner, given, keys):
        raise invalid_grant()  # OAU-140, the same answer for an unknown user (no user probing)
    return owner


def pkce_matches(challenge: str, method: str, verifier: str) -> bool:
    """RFC 7636 section 4.6: S256 is BASE64URL(SHA256(verifier)) without padding."""
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        verifier = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return secrets.compare_digest(verifier.encode(), challenge.encode())


@dataclass(frozen=True, slots=True)
class LoginPage:
    """The user must sign in before a code is issued: what the login form shows (prefilled
    username and extension number, and whether a sign-in was just refused)."""

    username: str = ""
    extension: str = ""
    refused: bool = False


class AuthorizationCodes(Issuer):
    def asks_password(self, app: App) -> bool:
        """A public app's code under random credentials needs the user's password: its PKCE
        verifier is the client's own, so `login_hint` alone would sign in anyone (the
        administrator included). The demo credentials stay scriptable without a form."""
        return self.keys.random and app.public

    def authorize(
        self, query: Mapping[str, str], login: Mapping[str, str] | None = None
    ) -> str | LoginPage:
        """`GET /restapi/oauth/authorize`: the Location of the redirect back to the client, or,
        where the user must sign in (`asks_password`), the login form to show; the form's POST
        comes back here with `login` (username, optional extension, password).

        Otherwise there is no login page: `login_hint` (a user's phone number or extension ID)
        picks the user, by default the first account's administrator (docs/decisions.md).
        Errors about the client or redirect_uri cannot be redirected safely and raise; the
        others are redirected with `error` as RFC 6749 section 4.1.2.1 says.
        """
        client_id = query.get("client_id", "")
        app = self.directory.app(client_id)
        if app is None:
            raise invalid_client(client_id)
        redirect_uri = required(query, "redirect_uri")
        if not _redirectable(redirect_uri):
            raise invalid_request("redirect_uri")
        state = query.get("state")
        challenge = query.get("code_challenge", "")
        method = query.get("code_challenge_method") or "plain"  # RFC 7636 4.3 default
        owner = self._user(query.get("login_hint", ""))
        if query.get("response_type") != "code":
            return _redirect(redirect_uri, state, error="unsupported_response_type")
        if challenge and method not in CHALLENGE_METHODS:
            return _redirect(redirect_uri, state, error="invalid_request")
        if app.public and not challenge:
            # RFC 7636 4.4.1: a server that requires PKCE answers invalid_request without it.
            return _redirect(redirect_uri, state, error="pkce_required")
        if self.asks_password(app):
            if login is None:
                return self._prefilled(owner if query.get("login_hint") else None)
            owner = self._signed_in(login)
            if owner is None:
                return LoginPage(login.get("username", ""), login.get("extension", ""), True)
        if owner is None or not app.serves(owner.account_id):
            return _redirect(redirect_uri, state, error="access_denied")
        code = secrets.token_urlsafe(24)
        now = self.clock.now()
        self.janitor.tidy(now)
        record = {
            "clientId": client_id,
            "redirectUri": redirect_uri,
            "extensionId": owner.id,
            "expiresAt": now + CODE_TTL,
            "challenge": challenge,
            "method": method,
        }
        self.store.put(CODE, code, record, now + CODE_TTL + GRACE)
        # The code's lifetime follows `state`, as the guide's recorded redirect shows (FID-15).
        return _redirect(redirect_uri, state, {"expires_in": str(CODE_TTL)}, code=code)

    def _user(self, hint: str) -> Extension | None:
        if not hint:
            return self.directory.accounts[0].administrator
        found = self.directory.extension(int(hint)) if is_digits(hint) else None
        if found is None:
            found = find_user(self.directory, hint, None)
        return found if found is not None and found.type.is_user else None

    def _prefilled(self, hinted: Extension | None) -> LoginPage:
        """The form, with the username `login_hint` named (never its password)."""
        if hinted is None:
            return LoginPage()
        account = next(a for a in self.directory.accounts if a.id == hinted.account_id)
        login = username(account, hinted)
        return LoginPage(login, "" if hinted.phone_number else hinted.number)

    def _signed_in(self, login: Mapping[str, str]) -> Extension | None:
        """The user the form's username (+ extension) and password sign in, or None (the same
        for an unknown user as for a wrong password: no user probing)."""
        given = login.get("password", "")
        name = login.get("username", "").strip()
        if not given or not name:
            return None
        owner = find_user(self.directory, name, login.get("extension", "").strip() or None)
        if owner is None or not password_matches(owner, given, self.keys):
            return None
        return owner

    def redeem(self, app: App, form: Mapping[str, str]) -> Extension:
        """`grant_type=authorization_code`: the code's user, once (the code is taken first, so
        a failed attempt also spends it)."""
        code = required(form, "code")
        if "redirect_uri" not in form:
            raise invalid_request("redirect_uri")
        record = self.store.take(CODE, code)
        if record is None:
            raise invalid_code()
        checks: list[tuple[bool, OAuthError]] = [
            (record["clientId"] != app.client_id, code_of_other_client()),
            (record["expiresAt"] <= self.clock.now(), expired_code()),
            (record["redirectUri"] != form["redirect_uri"], redirect_mismatch()),
        ]
        for failed, error in checks:
            if failed:
                raise error
        verifier = form.get("code_verifier", "")
        challenge = record["challenge"]
        if app.public and not challenge:
            raise invalid_code()  # authorize gives a public app no code without PKCE
        if challenge and not (verifier and pkce_matches(challenge, record["method"], verifier)):
            raise invalid_code()
        owner = self.directory.extension(record["extensionId"])
        assert owner is not None  # codes are only issued to directory users
        return owner


def _redirectable(redirect_uri: str) -> bool:
    """An absolute URI that can go into a Location header as it is: no control characters
    (a CR/LF would split the response) and no spaces or non-ASCII text (RFC 3986)."""
    if not redirect_uri.isascii() or any(c <= " " or c == "\x7f" for c in redirect_uri):
        return False
    try:
        return bool(urlsplit(redirect_uri).scheme)
    except ValueError:  # e.g. an invalid IPv6 literal
        return False


ERROR_DESCRIPTIONS = {
    "unsupported_response_type": ("unsupported_response_type", "Unsupported response type"),
    "invalid_request": ("invalid_request", "Unsupported code_challenge_method"),
    "pkce_required": ("invalid_request", "Code challenge required for a public application"),
    "access_denied": ("access_denied", "Unknown user in login_hint"),
}


def _redirect(
    redirect_uri: str, state: str | None, tail: dict[str, str] | None = None, **params: str
) -> str:
    if state is not None:
        params["state"] = state
    params.update(tail or {})
    if "error" in params:
        params["error"], params["error_description"] = ERROR_DESCRIPTIONS[params["error"]]
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return redirect_uri + separator + urlencode(params)
