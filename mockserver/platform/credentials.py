"""The JWT credentials the emulator prints and accepts: one per user, stable across machines."""

from __future__ import annotations

import jwt

from mockserver.directory.model import Extension

# A fixed demo key: the emulator signs the JWT credentials it prints and accepts only those.
# It protects nothing and must not: two starts anywhere must print the same credentials.
SIGNING_KEY = "presence-mock-demo-signing-key-not-a-secret"
JWT_AUDIENCE = "https://platform.ringcentral.com/restapi/oauth/token"
JWT_ISSUED_AT = 1767225600  # 2026-01-01T00:00:00Z, fixed so credentials are byte-identical


def credential_jwt(ext: Extension) -> str:
    """The JWT credential of a user, as `presence-mock credentials` prints it."""
    claims = {
        "aud": JWT_AUDIENCE,
        "iss": "presence-mock",
        "sub": str(ext.id),
        "account_id": str(ext.account_id),
        "iat": JWT_ISSUED_AT,
        "jti": f"presence-mock-{ext.id}",
    }
    return jwt.encode(claims, SIGNING_KEY, algorithm="HS256")
