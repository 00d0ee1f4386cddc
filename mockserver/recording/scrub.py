"""What a recording may keep: tokens, secrets, JWTs, passwords, client IDs and personal data
(names, emails, phone numbers) replaced, the same original by the same stand-in everywhere.

Consistency keeps a recording useful: the token a client got from the token endpoint is the one
its later calls carry, an extension's email in the list is the one in its record, so a replay
(replay.py) rebuilds one coherent account. Stand-ins are valid values of their kind (an email,
an E.164 number in the 555-01xx range kept for fiction, `Person n`), so the fixture made
from a recording loads. Anything that still looks like a secret (a JWT, a bearer token) or
personal data (an email, an E.164 number) in free text is replaced too.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

# Keys whose values are credentials (form fields, query parameters, JSON keys), in lower case.
SECRET_KEYS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "client_secret",
        "clientsecret",
        "password",
        "assertion",
        "code",
        "code_verifier",
        "client_assertion",
        "jwt",
        "secret",
    }
)
CLIENT_KEYS = frozenset({"client_id", "clientid"})
NAME_KEYS = frozenset({"name", "firstname", "lastname", "fromname", "toname", "company"})
EMAIL_KEYS = frozenset({"email", "username"})  # the password grant's username is a phone or email
PHONE_KEYS = frozenset({"phonenumber", "mainnumber", "businessphone", "mobilephone", "from", "to"})
# Kept as they are (not personal; a fixture needs them): names of non-user things are still
# replaced, as a name key is a name key.
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
# A local part starting with a letter: `sip:+14085550122@sip.ringcentral.com` is a number.
_EMAIL = re.compile(r"[A-Za-z][A-Za-z0-9._%+-]*@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+\d{10,15}")


class Scrubber:
    """One recording's stand-ins: the same original always gets the same replacement."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        self._originals: dict[str, str] = {}  # every original replaced so far, for free text

    # -- stand-ins ------------------------------------------------------------------------------
    def _stand_in(self, kind: str, original: str, make: Callable[[int], str]) -> str:
        key = (kind, original)
        found = self._seen.get(key)
        if found is None:
            count = self._counts[kind] = self._counts.get(kind, 0) + 1
            found = self._seen[key] = make(count)
            if len(original) >= 4:
                self._originals[original] = found
        return found

    def secret(self, original: str, kind: str = "secret") -> str:
        if not original:
            return original
        return self._stand_in(kind, original, lambda n: f"scrubbed-{kind}-{n}")

    def client(self, original: str) -> str:
        return self._stand_in("client", original, lambda n: f"scrubbed-client-{n}")

    def email(self, original: str) -> str:
        if "@" not in original:  # a username that is a phone number
            return self.phone(original) if _PHONE.fullmatch(original) else self.secret(original)
        return self._stand_in("email", original.lower(), lambda n: f"person{n}@example.com")

    def phone(self, original: str) -> str:
        if not _PHONE.fullmatch(original):
            return original  # an extension number or a name: not a phone number
        return self._stand_in("phone", original, lambda n: f"+1{200 + n // 100}55501{n % 100:02d}")

    def name(self, original: str) -> str:
        if not original.strip():
            return original
        # Not drawn from Faker: the emulator's own names come from it, and a stand-in must never
        # be mistaken for (or collide with) a real name.
        return self._stand_in("name", original, lambda n: f"Person {n}")

    # -- values by where they are ---------------------------------------------------------------
    def header(self, name: str, value: str) -> str:
        lowered = name.lower()
        if lowered not in SECRET_HEADERS:
            return self.text(value)
        scheme, _, credentials = value.partition(" ")
        if scheme.lower() == "bearer":
            return f"{scheme} {self.secret(credentials.strip(), 'token')}"
        if scheme.lower() == "basic":
            return f"{scheme} {self._basic(credentials.strip())}"
        return self.secret(value, "header")

    def _basic(self, encoded: str) -> str:
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return self.secret(encoded, "header")
        pair = f"{self.client(client_id)}:{self.secret(secret, 'client-secret')}"
        return base64.b64encode(pair.encode()).decode()

    def field(self, key: str, value: Any) -> Any:
        """A value under `key` (a JSON key, a form field or a query parameter)."""
        lowered = key.lower()
        if isinstance(value, str):
            if lowered in ("access_token", "token"):
                return self.secret(value, "token")
            if lowered in SECRET_KEYS:
                return self.secret(value, lowered.replace("_", "-"))
            if lowered in CLIENT_KEYS:
                return self.client(value)
            if lowered in EMAIL_KEYS:
                return self.email(value)
            if lowered in PHONE_KEYS:
                return self.phone(value)
            if lowered in NAME_KEYS:
                return self.name(value)
            return self.text(value)
        return self.json(value)

    def json(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self.field(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def query(self, query: dict[str, list[str]]) -> dict[str, list[str]]:
        return {
            name: [self.field(name, value) for value in values] for name, values in query.items()
        }

    def text(self, value: str) -> str:
        """Free text: every original replaced so far, and anything shaped like a secret or
        personal data."""
        for original in sorted(self._originals, key=len, reverse=True):
            if original in value:
                value = value.replace(original, self._originals[original])
        value = _JWT.sub(lambda found: self.secret(found.group(0), "jwt"), value)
        value = _PHONE.sub(lambda found: self.phone(found.group(0)), value)
        return _EMAIL.sub(lambda found: self.email(found.group(0)), value)
