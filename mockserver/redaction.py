"""What may be shown of a request in a log line or the journal: secrets masked, control
characters escaped.

A log line or a journal entry is read by people and pasted into issues: a token, a client
secret, a password or a JWT sent in a query string must not travel with it; and a CR or LF in a
path must not start a line of its own that reads like another request.

Secrets are masked by name (a query parameter or form field the platform or a client uses for a
credential) and by shape wherever they are (a JWT, `Bearer ...`, a long random token of the
shapes the platform's and the emulator's tokens have), so one sent under a name nobody listed is
masked too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

MASK = "***"
# Query parameters that carry a credential on the platform's token, revoke and API endpoints.
SECRET_NAMES = frozenset(
    {
        "access_token",
        "refresh_token",
        "token",
        "client_secret",
        "password",
        "assertion",
        "code",
        "code_verifier",
        "jwt",
        # a client's own and the WebSocket's: keys, the WebSocket token, its session (`wsc`),
        # a client assertion that is not a JWT, a WebHook's verification token
        "ws_access_token",
        "api_key",
        "apikey",
        "api-key",
        "x-api-key",
        "key",
        "secret",
        "client_assertion",
        "id_token",
        "verificationtoken",
        "verification-token",
        "validation-token",
        "wsc",
        "sig",
        "signature",
        "auth",
    }
)
# A JWT wherever it appears: three base64url segments, the header starting `{"` (eyJ).
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*")
# `Bearer <token>` or `Basic <pair>` anywhere (a header pasted into a parameter, say).
_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+|%20|\+)[^\s&,;\"']+")
# A long random token: 32 or more base64url characters (the emulator's tokens and codes are
# `token_urlsafe` of 24+ bytes, the platform's access tokens longer base64 text), not a UUID
# (subscription and message IDs stay readable) and not digits alone (extension ID lists).
_LONG = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}={0,2}(?![A-Za-z0-9_-])")
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def _random_looking(found: re.Match[str]) -> str:
    token = found.group(0)
    kinds = sum(any(test(c) for c in token) for test in (str.isupper, str.islower, str.isdigit))
    return MASK if kinds >= 2 and not _UUID.fullmatch(token) else token


def mask_text(text: str) -> str:
    """`text` with every value shaped like a secret replaced by `***`."""
    text = _JWT.sub(MASK, text)
    text = _SCHEME.sub(lambda found: f"{found.group(1)}{found.group(2)}{MASK}", text)
    return _LONG.sub(_random_looking, text)


def mask_query(query: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The query with every credential replaced by `***`: by name, and by shape in the rest."""
    return {
        name: [MASK] * len(values)
        if name.lower() in SECRET_NAMES
        else [mask_text(value) for value in values]
        for name, values in query.items()
    }


def mask_address(address: str) -> str:
    """A WebHook address as the controls show it: the password of its userinfo and the value of
    every query parameter masked (a receiver's address often carries its own secret there), the
    path masked by shape. Text that does not parse as a URL is masked whole."""
    try:
        parts = urlsplit(address)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        netloc = f"{mask_text(user)}{':' + MASK if colon else ''}@{hostport}"
    query = "&".join(
        f"{quote(name, safe='')}={MASK}"
        for name, _ in parse_qsl(parts.query, keep_blank_values=True)
    )
    fragment = MASK if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, mask_text(parts.path), query, fragment))


def query_text(query: Mapping[str, Sequence[str]]) -> str:
    """`a=1&b=2` of a query already masked, escaped for one log line."""
    return escape("&".join(f"{name}={value}" for name, values in query.items() for value in values))


def escape(text: str) -> str:
    """`text` with control and line-separator characters written as Python escapes (`\\r`)."""
    if text.isprintable():  # the usual case, in one C call
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
