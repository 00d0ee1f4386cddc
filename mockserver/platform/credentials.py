"""The credentials the emulator prints and accepts: app secrets, users' JWTs and passwords.

All of them come from one `Keys` value. The default, `DEMO_KEYS`, is fixed so two starts
anywhere print the same credentials (scripts and tests rely on them). With
`--random-credentials` they are derived from one secret (`keys_for`), so nobody who has not
been given the credentials can guess them, and every process given the same secret agrees.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
from dataclasses import dataclass, field

import jwt

from mockserver.directory.model import App, Directory, Extension

# A fixed demo key: the emulator signs the JWT credentials it prints and accepts only those.
# It protects nothing and must not: two starts anywhere must print the same credentials.
SIGNING_KEY = "presence-mock-demo-signing-key-not-a-secret"
# Not a secret and must not be one: it only makes the passwords differ from a plain hash.
PASSWORD_SALT = "presence-mock-demo-password"
JWT_AUDIENCE = "https://platform.ringcentral.com/restapi/oauth/token"
JWT_ISSUED_AT = 1767225600  # 2026-01-01T00:00:00Z, fixed so credentials are byte-identical


@dataclass(frozen=True, slots=True)
class Keys:
    """What the credentials are made from; repr=False so no traceback or debug print shows it."""

    signing_key: str = field(repr=False)
    password_key: str = field(repr=False)
    # None: the apps keep the secrets the directory gives them (seeded demo app, fixture).
    app_key: bytes | None = field(default=None, repr=False)

    @property
    def random(self) -> bool:
        return self.app_key is not None

    def password(self, ext: Extension) -> str:
        if not self.random:
            # The demo form, unchanged: `Demo-3f9a1c-7be204` (48 bits, guessable by design).
            digest = hashlib.sha256(f"{self.password_key}:{ext.id}".encode()).hexdigest()
            return f"Demo-{digest[:6]}-{digest[6:12]}"
        # 96 bits: out of reach of online guessing even without the Auth rate limit.
        digest = _mac(self.password_key.encode(), f"password:{ext.id}").hex()
        return f"Pm-{digest[:12]}-{digest[12:24]}"

    def app_secret(self, app: App) -> str:
        if self.app_key is None:
            return app.client_secret
        return _b64(_mac(self.app_key, f"app-secret:{app.client_id}"))


DEMO_KEYS = Keys(SIGNING_KEY, PASSWORD_SALT)


def keys_for(secret: str | None) -> Keys:
    """The demo keys without a secret; else each key an HMAC-SHA256 of the secret with its own
    purpose label, so one derived value (a password, say) tells nothing about another."""
    if secret is None:
        return DEMO_KEYS
    key = secret.encode()
    return Keys(
        signing_key=_b64(_mac(key, "presence-mock jwt signing key")),
        password_key=_b64(_mac(key, "presence-mock password key")),
        app_key=_mac(key, "presence-mock app secret key"),
    )


def with_app_secrets(directory: Directory, keys: Keys) -> Directory:
    """The directory with each app's secret replaced by the keys' one (itself for demo keys)."""
    if not keys.random:
        return directory
    apps = [dataclasses.replace(app, client_secret=keys.app_secret(app)) for app in directory.apps]
    return Directory(directory.accounts, apps, directory.drawn_before)


def credential_jwt(ext: Extension, keys: Keys = DEMO_KEYS) -> str:
    """The JWT credential of a user, as `presence-mock credentials` prints it."""
    claims = {
        "aud": JWT_AUDIENCE,
        "iss": "presence-mock",
        "sub": str(ext.id),
        "account_id": str(ext.account_id),
        "iat": JWT_ISSUED_AT,
        "jti": f"presence-mock-{ext.id}",
    }
    return jwt.encode(claims, keys.signing_key, algorithm="HS256")


def _mac(key: bytes, label: str) -> bytes:
    return hmac.new(key, label.encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
