"""What a recording may keep: tokens, secrets, JWTs, passwords, client IDs and personal data
(names, emails, phone numbers, postal addresses, departments, IP addresses) replaced, the same
original by the same stand-in everywhere.

Consistency keeps a recording useful: the token a client got from the token endpoint is the one
its later calls carry, an extension's email in the list is the one in its record, so a replay
(replay.py) rebuilds one coherent account. Stand-ins are valid values of their kind (an email,
an E.164 number in the 555-01xx range kept for fiction, `Person n`), so the fixture made
from a recording loads. Anything that still looks like a secret (a JWT, a bearer token) or
personal data (an email, a phone number, an IP address) in free text is replaced too; so are the
query values, userinfo and fragment of a WebHook address and of a redirect's `Location` (a
code, a state, a receiver's own secret). What the operator names (`--scrub-field`,
`--scrub-header`) is replaced as a secret.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

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
        "ws_access_token",  # the WebSocket token (wstoken's answer)
        "verificationtoken",  # a WebHook's (deliveryMode)
        "validationtoken",
        "api_key",
        "apikey",
        "wsc",  # a WebSocket session to recover
        "state",  # an authorization request's anti-forgery value
    }
)
CLIENT_KEYS = frozenset({"client_id", "clientid"})
NAME_KEYS = frozenset(
    {
        "name",
        "firstname",
        "lastname",
        "fromname",
        "toname",
        "company",
        "partyname",
        "callername",
        "displayname",
    }
)
# the password grant's username and an authorization request's login_hint: a phone or email
EMAIL_KEYS = frozenset({"email", "username", "login_hint"})
PHONE_KEYS = frozenset(
    {
        "phonenumber",
        "mainnumber",
        "businessphone",
        "mobilephone",
        "homephone",
        "faxnumber",
        "from",
        "to",
    }
)
# Whole objects or strings that are personal: every string in them replaced.
PERSONAL_KEYS = frozenset({"businessaddress", "department", "jobtitle", "costcenter"})
# The keys whose value is an address to deliver to (a WebHook's), or a postal one.
ADDRESS_KEYS = frozenset({"address"})
# Kept as they are (not personal; a fixture needs them): names of non-user things are still
# replaced, as a name key is a name key.
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
# Custom credentials headers: any name with one of these in it (X-Api-Key, X-Auth-Token,
# Validation-Token, X-Session-Id, ...), but the ones that carry no secret.
_SECRET_HEADER_NAME = re.compile(
    r"token|secret|api-?key|auth|passw|session|signature|credential|cookie", re.IGNORECASE
)
NOT_SECRET_HEADERS = frozenset({"www-authenticate"})
URL_HEADERS = frozenset({"location", "content-location"})

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
# A local part starting with a letter: `sip:+14085550122@sip.ringcentral.com` is a number.
_EMAIL = re.compile(r"[A-Za-z][A-Za-z0-9._%+-]*@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+\d{10,15}")
# A number as people write it: (650) 555-0123, 650.555.0123, +1 650 555 0123, 650-555-0123.
_LOCAL_PHONE = re.compile(
    r"(?<![\w.+-])(\+?\d{1,3}[ .-])?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?![\w-])"
)
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)([^\s,;\"']+)")
# A long random token (32+ base64url characters with at least two of upper, lower, digit), not
# a UUID (subscription IDs stay) and not digits alone (extension IDs stay).
_LONG = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}={0,2}(?![A-Za-z0-9_-])")
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_DIGITS = re.compile(r"\d")
# The stand-ins of IP addresses: the ranges kept for documentation (RFC 5737, RFC 3849).
_IP_STAND_INS = (ipaddress.ip_network("192.0.2.0/24"), ipaddress.ip_network("2001:db8::/32"))


class Scrubber:
    """One recording's stand-ins: the same original always gets the same replacement."""

    def __init__(self, fields: Iterable[str] = (), headers: Iterable[str] = ()) -> None:
        self._seen: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        self._originals: dict[str, str] = {}  # every original replaced so far, for free text
        # What the operator names (--scrub-field, --scrub-header), in lower case.
        self.fields = frozenset(name.strip().lower() for name in fields if name.strip())
        self.headers = frozenset(name.strip().lower() for name in headers if name.strip())

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
        digits = "".join(_DIGITS.findall(original))
        if len(digits) < 7 or (len(digits) == len(original) and len(digits) < 10):
            return original  # an extension number or a name: not a phone number
        return self._stand_in("phone", original, lambda n: f"+1{200 + n // 100}55501{n % 100:02d}")

    def personal(self, value: Any, kind: str) -> Any:
        """A postal address, a department: every string in it replaced."""
        if isinstance(value, str):
            if not value.strip():
                return value
            label = kind.capitalize()
            return self._stand_in(kind, value, lambda n: f"{label} {n}")
        if isinstance(value, dict):
            return {key: self.personal(item, kind) for key, item in value.items()}
        if isinstance(value, list):
            return [self.personal(item, kind) for item in value]
        return value

    def ip(self, original: str) -> str:
        try:
            found = ipaddress.ip_address(original)
        except ValueError:
            return original  # a time (10:00:00), a version: not an address
        if found.is_loopback or any(found in network for network in _IP_STAND_INS):
            return original
        if found.version == 4:
            return self._stand_in("ipv4", original, lambda n: f"192.0.2.{n % 254 + 1}")
        return self._stand_in("ipv6", original, lambda n: f"2001:db8::{n:x}")

    def url(self, original: str, every_query_value: bool = False) -> str:
        """A URL with its userinfo, its fragment and its query values replaced (every value, or
        those under a secret's or a person's name), the host's IP and the path as free text."""
        try:
            parts = urlsplit(original)
            parts.port  # noqa: B018 (a bad port raises here)
        except ValueError:
            return self.secret(original, "url")
        userinfo, at, hostport = parts.netloc.rpartition("@")
        netloc = self._plain_text(hostport)
        if at:
            user, colon, password = userinfo.partition(":")
            secret = ":" + self.secret(password, "password") if colon else ""
            netloc = f"{self.secret(user, 'user')}{secret}@{netloc}"
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        every = every_query_value
        query = "&".join(
            quote(name, safe="") + "=" + quote(self._query_value(name, value, every), safe="")
            for name, value in pairs
        )
        fragment = self.secret(parts.fragment, "fragment") if parts.fragment else ""
        return urlunsplit((parts.scheme, netloc, self._plain_text(parts.path), query, fragment))

    def name(self, original: str) -> str:
        if not original.strip():
            return original
        # Not drawn from Faker: the emulator's own names come from it, and a stand-in must never
        # be mistaken for (or collide with) a real name.
        return self._stand_in("name", original, lambda n: f"Person {n}")

    # -- values by where they are ---------------------------------------------------------------
    def _query_value(self, name: str, value: str, every: bool) -> str:
        """A URL's query value: by its name (a `code` gets the stand-in the token request's
        `code` gets), and, where every value goes, under a stand-in of its own if the name
        kept it."""
        scrubbed = str(self.field(name, value))
        return self.secret(value, "query") if every and scrubbed == value and value else scrubbed

    def header(self, name: str, value: str) -> str:
        lowered = name.lower()
        if lowered in NOT_SECRET_HEADERS:
            return value  # a server's challenge names a scheme and a realm
        if lowered in URL_HEADERS:
            return self.url(value, every_query_value=True)  # a redirect's code and state
        if lowered in self.headers or (
            lowered not in SECRET_HEADERS
            and lowered not in NOT_SECRET_HEADERS
            and _SECRET_HEADER_NAME.search(lowered)
        ):
            return self.secret(value, "header")
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
        if lowered in self.fields:
            return self._named(value)
        if lowered in PERSONAL_KEYS:
            return self.personal(value, "department" if lowered == "department" else "address")
        if lowered in ADDRESS_KEYS:
            if isinstance(value, str) and "://" in value:
                return self.url(value, every_query_value=True)  # a WebHook's address
            return self.personal(value, "address")
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

    def _named(self, value: Any) -> Any:
        """A value under a name the operator gave: every string and number in it."""
        if isinstance(value, dict):
            return {key: self._named(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._named(item) for item in value]
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return self.secret(str(value), "field")
        return value

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
        value = self._known(value)
        value = _URL.sub(lambda found: self.url(found.group(0)), value)
        return self._plain_text(value)

    def _known(self, value: str) -> str:
        for original in sorted(self._originals, key=len, reverse=True):
            if original in value:
                value = value.replace(original, self._originals[original])
        return value

    def _plain_text(self, value: str) -> str:
        """Text with no URL left in it: secrets and personal data by their shape."""
        value = self._known(value)
        value = _JWT.sub(lambda found: self.secret(found.group(0), "jwt"), value)
        value = _BEARER.sub(
            lambda found: found.group(1) + found.group(2) + self.secret(found.group(3), "token"),
            value,
        )
        value = _LONG.sub(self._long, value)
        value = _EMAIL.sub(lambda found: self.email(found.group(0)), value)
        value = _IPV4.sub(lambda found: self.ip(found.group(0)), value)
        value = _IPV6.sub(lambda found: self.ip(found.group(0)), value)
        value = _PHONE.sub(lambda found: self.phone(found.group(0)), value)
        return _LOCAL_PHONE.sub(lambda found: self.phone(found.group(0)), value)

    def _long(self, found: re.Match[str]) -> str:
        token = found.group(0)
        kinds = sum(any(test(c) for c in token) for test in (str.isupper, str.islower, str.isdigit))
        if kinds < 2 or _UUID.fullmatch(token):
            return token
        return self.secret(token, "token")
