"""Never print a secret or a token: every text the kit shows goes through `Masker.mask`."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# Whatever was registered, a bearer/basic credential or a token in a query is never shown.
_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/=]+"),
    re.compile(r"(?i)\b(access_token|refresh_token|assertion|client_secret|token)=[^&\s\"']+"),
)


class Masker:
    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if secret and len(secret) >= 4:
                self._secrets.add(secret)

    def add_basic(self, client_id: str, client_secret: str) -> None:
        self.add(base64.b64encode(f"{client_id}:{client_secret}".encode()).decode())

    def mask(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
        return _PATTERNS[1].sub(lambda m: f"{m.group(1)}={MASK}", text)


def url_without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
