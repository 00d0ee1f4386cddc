"""One access rule for every surface both servers answer (the REST app and the gateway).

A request is judged on what any HTTP server sees of it (`Asked`), so Flask (web/access.py) and
aiohttp (gateway/access.py) apply the very same rule:

* **Host** (DNS rebinding): every answer but the gateway's WebSocket names this server in its
  `Host`: `localhost` and `*.localhost` (browsers resolve them to loopback themselves), an IP
  literal (a rebinding page always reaches us by a name of its own), the name given to
  `--host`, or a pattern of `--allowed-hosts`. Else 421 in the platform's shape.
* **The lock** (`--controls`): under `off` every control is gone (404 CMN-102 `uri`) but health;
  under `token` a control wants `Authorization: Bearer <--controls-token>` (or, for the event
  stream, which a browser opens without headers, a ticket the board's setup hands out); the
  board's shell (its page, script and style: no data) loads without it.
* **The login** (`/_mock/credentials`, what a client logs in with): under `on` only a client on
  this machine (its address loopback); under `token` the holder of the secret, from anywhere.
* **Writes** (cross-site requests): a control that changes state (any method but GET, HEAD,
  OPTIONS) answers only its own origin: refused when `Origin` names another one or
  `Sec-Fetch-Site` says another site made it, and a body must be JSON. Command-line clients
  send neither header and keep working.

docs/security.md ("Control surfaces") is the user's account; docs/decisions.md CTRL-n the
choices.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import hmac
import ipaddress
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from urllib.parse import urlsplit

from mockserver.config import ConfigError, Settings, host_list
from mockserver.errors import (
    HttpRefusal,
    InvalidAuthorizationHeader,
    MockError,
    ResourceNotFound,
)
from mockserver.inputs import is_digits
from mockserver.operations import CONTROLS_PREFIX

MODES = ("on", "off", "token")
READS = frozenset({"GET", "HEAD", "OPTIONS"})
# Sec-Fetch-Site values of a request this server's own page made, or the user typed.
OWN_SITE = frozenset({"same-origin", "none"})
LOOPBACK_NAMES = frozenset({"localhost"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "[::]"})
HEALTH_PATH = f"{CONTROLS_PREFIX}/health"
STREAM_PATH = f"{CONTROLS_PREFIX}/stream"
BOARD_PAGE = f"{CONTROLS_PREFIX}/board"
BOARD_STATIC = f"{CONTROLS_PREFIX}/board/static/"
CREDENTIALS_PATH = f"{CONTROLS_PREFIX}/credentials"
WEBSOCKET_PATH = "/ws"
TICKET_PARAMETER = "ticket"
TICKET_SECONDS = 600  # how long a stream ticket opens the stream (an open stream stays open)
_HOST = re.compile(r"(?P<name>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")
_PATTERN = re.compile(r"[A-Za-z0-9.*?_:\[\]-]+")
_MEDIA_JSON = re.compile(r"application/(?:[a-z0-9.+-]+\+)?json")


class Surface(Enum):
    PLATFORM = "platform"  # /restapi, /oauth: the platform's own API (bearer tokens)
    WEBSOCKET = "websocket"  # the gateway's /ws: the platform's WebSocket (its own tokens)
    HEALTH = "health"  # /_mock/health: open under every mode (compose, load balancers)
    SHELL = "shell"  # the board's page and files, and `/` leading there: no data, no token
    CONTROL = "control"  # everything else under /_mock


class HostRefused(HttpRefusal):
    """421 Misdirected Request: the Host names a server this is not (RFC 9110 §15.5.20)."""

    def __init__(self, host: str) -> None:
        shown = host if _printable(host) else "(unreadable)"
        super().__init__(
            421,
            f"Host [{shown}] is not a name of this server: use localhost or an IP address, "
            "or allow the name with --allowed-hosts.",
        )


class CrossSiteRefused(HttpRefusal):
    """403: a control that changes state, asked by a page of another origin."""

    def __init__(self) -> None:
        super().__init__(
            403,
            "A control that changes state answers only requests of its own origin "
            "(its Origin or Sec-Fetch-Site header names another site).",
        )


class NotFromThisMachine(HttpRefusal):
    """403: the login asked for from another machine while the controls are open to all."""

    def __init__(self) -> None:
        super().__init__(
            403,
            "The credentials are given only to a client on this machine (a loopback address), "
            "or to the holder of --controls-token under --controls token.",
        )


class JsonRequired(HttpRefusal):
    """415: a control's body that is not declared as JSON."""

    def __init__(self, given: str) -> None:
        shown = given if _printable(given) and len(given) <= 100 else "(unreadable)"
        super().__init__(
            415,
            f"Content-Type [{shown or 'none'}] is not accepted here: send the body as "
            "application/json.",
        )


@dataclass(frozen=True, slots=True)
class Asked:
    """What the rule reads of a request, whichever server got it."""

    method: str
    path: str
    host: str | None  # the Host header as sent; None when there was none
    origin: str | None = None
    fetch_site: str | None = None
    authorization: str | None = None
    content_type: str | None = None
    has_body: bool = False
    ticket: str | None = None  # the stream's `?ticket=`
    peer: str | None = None  # the client's address (the TCP peer), where the server knows it

    @classmethod
    def of(
        cls,
        method: str,
        path: str,
        header: Callable[[str], str | None],
        has_body: bool,
        ticket: str | None = None,
        peer: str | None = None,
    ) -> Asked:
        """What a request asks, its headers read by name with `header` (either server's)."""
        return cls(
            method=method,
            path=path,
            host=header("Host"),
            origin=header("Origin"),
            fetch_site=header("Sec-Fetch-Site"),
            authorization=header("Authorization"),
            content_type=header("Content-Type"),
            has_body=has_body,
            ticket=ticket,
            peer=peer,
        )


def check_settings(settings: Settings) -> None:
    """Refuse a lock that cannot work, or an allowed host that is no pattern, at start-up."""
    if settings.controls not in MODES:
        raise ConfigError(f"controls {settings.controls!r}: expected one of {', '.join(MODES)}")
    if settings.controls == "token" and not settings.controls_token:
        raise ConfigError("controls token: give the secret with --controls-token")
    for pattern in host_patterns(settings):
        if not _PATTERN.fullmatch(pattern):
            raise ConfigError(
                f"--allowed-hosts / PRESENCE_MOCK_ALLOWED_HOSTS {pattern!r}: expected host "
                "names or patterns (letters, digits, '.', '-', '*', '?'), comma-separated"
            )


def host_patterns(settings: Settings) -> tuple[str, ...]:
    return _patterns(settings.allowed_hosts)


def _patterns(raw: str | None) -> tuple[str, ...]:
    return tuple(p.rstrip(".") for p in host_list(raw))


def surface_of(path: str) -> Surface:
    if path == WEBSOCKET_PATH:
        return Surface.WEBSOCKET
    if path == HEALTH_PATH:
        return Surface.HEALTH
    if path in ("/", BOARD_PAGE) or path.startswith(BOARD_STATIC):
        return Surface.SHELL
    if path == CONTROLS_PREFIX or path.startswith(CONTROLS_PREFIX + "/"):
        return Surface.CONTROL
    return Surface.PLATFORM  # any other path is an unknown route: its 404 is the platform's


def refusal(settings: Settings, asked: Asked) -> MockError | None:
    """Why this request is refused, or None: the Host first, then the lock, then writes."""
    surface = surface_of(asked.path)
    if surface is Surface.WEBSOCKET:
        return None  # the platform's socket: its token is the rule (and its uri names a host)
    if asked.host is not None and not host_allowed(asked.host, settings):
        return HostRefused(asked.host)
    if surface in (Surface.PLATFORM, Surface.HEALTH):
        return None
    locked = lock(settings, surface, asked)
    if locked is not None:
        return locked
    if asked.path == CREDENTIALS_PATH and settings.controls == "on" and not loopback(asked.peer):
        return NotFromThisMachine()
    if surface is Surface.CONTROL and asked.method not in READS:
        return write_refusal(asked)
    return None


def lock(settings: Settings, surface: Surface, asked: Asked) -> MockError | None:
    """`--controls`: off, gone; token, the bearer of the secret (or a stream ticket)."""
    mode = settings.controls
    if mode == "on":
        return None
    if mode == "off":
        return ResourceNotFound("uri")
    if surface is Surface.SHELL or bearer_holds(settings, asked.authorization):
        return None
    if asked.path == STREAM_PATH and asked.ticket and ticket_valid(settings, asked.ticket):
        return None
    return InvalidAuthorizationHeader()


def bearer_holds(settings: Settings, authorization: str | None) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    expected = (settings.controls_token or "").encode()
    if not expected or scheme.lower() != "bearer":
        return False
    return secrets.compare_digest(given.strip().encode("utf-8", "replace"), expected)


def write_refusal(asked: Asked) -> MockError | None:
    """A state-changing control: same origin only, and a body only as JSON."""
    if asked.origin is not None and not same_origin(asked.origin, asked.host):
        return CrossSiteRefused()
    if asked.fetch_site is not None and asked.fetch_site.strip().lower() not in OWN_SITE:
        return CrossSiteRefused()
    if asked.has_body:
        media = (asked.content_type or "").partition(";")[0].strip().lower()
        if not _MEDIA_JSON.fullmatch(media):
            return JsonRequired(asked.content_type or "")
    return None


def same_origin(origin: str, host: str | None) -> bool:
    """`Origin` names the server the request was sent to (scheme aside: a TLS proxy in front
    of the server makes the page's origin https while this server is asked over http)."""
    if host is None or origin.strip().lower() == "null":
        return False
    try:
        parts = urlsplit(origin.strip())
        named = parts.netloc
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not named:
        return False
    return _without_default_port(named, parts.scheme) == _without_default_port(host, parts.scheme)


def _without_default_port(netloc: str, scheme: str) -> str:
    default = ":443" if scheme == "https" else ":80"
    lowered = netloc.strip().lower()
    return lowered[: -len(default)] if lowered.endswith(default) else lowered


def stream_origin(origin: str | None, host: str | None) -> str | None:
    """The origin the event stream answers with `Access-Control-Allow-Origin`: the board's,
    a page on the host name the stream was asked by (one the Host rule let in), on any port (a
    container's port mapping may renumber the REST port the page came from); else None."""
    if origin is None or host is None:
        return None
    found = split_host(host)
    try:
        parts = urlsplit(origin.strip())
        named = parts.hostname
    except ValueError:
        return None
    if found is None or parts.scheme not in ("http", "https") or not named:
        return None
    name = f"[{named}]" if ":" in named else named
    return origin.strip() if name.lower().rstrip(".") == found[0] else None


def internals_shown(settings: Settings, asked: Asked) -> bool:
    """Whether the gateway's health may show its process (PID, sockets, log position): to a
    caller that is no web page of another site (no `Origin`, `Sec-Fetch-Site` absent or
    `none`) and that the lock lets in (`on`; under `token` the bearer; under `off` nobody)."""
    if asked.origin is not None:
        return False
    if asked.fetch_site is not None and asked.fetch_site.strip().lower() != "none":
        return False
    if settings.controls == "off":
        return False
    return settings.controls == "on" or bearer_holds(settings, asked.authorization)


def split_host(host: str) -> tuple[str, int | None] | None:
    """(name, port) of a Host header, the name lowercased without a trailing dot; None when it
    is no host."""
    matched = _HOST.fullmatch(host.strip())
    if matched is None:
        return None
    port = matched.group("port")
    return matched.group("name").lower().rstrip("."), int(port) if port else None


def host_allowed(host: str, settings: Settings) -> bool:
    return _host_allowed(host, settings.host, settings.allowed_hosts)


@lru_cache(maxsize=512)
def _host_allowed(host: str, bind: str, allowed: str | None) -> bool:
    found = split_host(host)
    if found is None:
        return False
    name = found[0]
    if name in LOOPBACK_NAMES or name.endswith(".localhost") or _ip_literal(name):
        return True
    if bind.strip().lower().rstrip(".") == name and bind not in WILDCARD_BINDS:
        return True
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _patterns(allowed))


def loopback(peer: str | None) -> bool:
    """Whether a client's address is this machine's (127.0.0.0/8, ::1, or IPv4 in IPv6)."""
    try:
        address = ipaddress.ip_address((peer or "").strip())
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def _ip_literal(name: str) -> bool:
    """A dotted IPv4 address or a bracketed IPv6 one, as a browser writes them (`127.1` or
    `2130706433` are names to ipaddress, and a browser sends them as 127.0.0.1)."""
    text = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return ":" in text or name.count(".") == 3


def _printable(text: str) -> bool:
    return text.isprintable() and text.isascii()


# -- the event stream's ticket, for a page under `token` (EventSource sends no header) ---------
def stream_ticket(settings: Settings, now: Callable[[], float] = time.time) -> str:
    """`<expiry>.<mac>`: opens the event stream until `expiry` (wall clock, not the emulator's
    movable one), signed with the controls token (both servers know it; nothing is stored)."""
    expiry = int(now()) + TICKET_SECONDS
    return f"{expiry}.{_mac(settings, expiry)}"


def ticket_valid(settings: Settings, ticket: str, now: Callable[[], float] = time.time) -> bool:
    raw_expiry, _, mac = ticket.partition(".")
    if not is_digits(raw_expiry, 12):
        return False
    expiry = int(raw_expiry)
    if expiry < now() or expiry > now() + TICKET_SECONDS + 60:
        return False
    return secrets.compare_digest(mac.encode("utf-8", "replace"), _mac(settings, expiry).encode())


def _mac(settings: Settings, expiry: int) -> str:
    key = (settings.controls_token or "").encode()
    digest = hmac.new(key, f"presence-mock stream {expiry}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
