"""Which WebHook addresses the emulator may POST to, and where exactly it connects.

Decided in two steps. `check` reads the address alone, before any name is looked up: by default
only loopback is allowed (`localhost` and `*.localhost`, canonical `127.x.y.z`, `[::1]`), plus
the hosts the operator names with --webhook-allow (names, `*.suffix` patterns, IP literals) or
everything with `any`. Ambiguous numeric hosts (`2130706433`, `127.1`, `0x7f.0.0.1`,
`0177.0.0.1`), user information (`user:pass@`), link-local and unspecified addresses and any
other host are refused. `resolve` then looks an allowed name up once, checks every address it
got, and hands back those addresses: the transport connects to them (with the name in `Host`
and as the TLS server name), so no second lookup can point the POST elsewhere.

The emulator's own ports (REST and gateway) and its store's port are never targets, whatever
is allowed. Loopback names are never looked up: `localhost` is 127.0.0.1 and ::1 (RFC 6761).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mockserver.config import (
    WEBHOOK_ALLOW_ANY,
    Settings,
    gateway_port_of,
    webhook_allow_entries,
)

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
# socket.getaddrinfo's shape; a test may give its own (and count the calls).
Resolver = Callable[..., list[tuple[Any, ...]]]
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")  # what `localhost` names, without a lookup
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"  # 0..255, no leading zero
_DOTTED_QUAD = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_NUMERIC_LABEL = re.compile(r"\d+|0x[0-9a-f]*")  # a URL parser reads such a host as IPv4
_PRINTABLE = re.compile(r"[!-~]+")  # ASCII without spaces or control characters
_WILDCARD_BINDS = ("", "0.0.0.0", "::")
PINNED = 4096  # addresses `pinned` keeps (all forgotten at once past that)


class AddressRefused(OSError):
    """This address may not be used (the handshake answers SUB-521; a delivery fails with it)."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where one POST goes: the addresses checked, and the name it was sent to."""

    scheme: str
    host: str  # as written (lower case, no brackets): `Host` and the TLS server name
    port: int
    path: str  # path and query
    addresses: tuple[str, ...]  # connect to these, in order; nothing else

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class _Parsed:
    scheme: str
    host: str
    port: int
    path: str
    literal: IP | None  # the host is an IP address
    loopback_name: bool  # localhost, *.localhost


class AddressPolicy:
    """The rule for one emulator: what --webhook-allow allows, what it listens on, its store."""

    def __init__(
        self,
        allow: Iterable[str] = (),
        *,
        own_ports: Iterable[int] = (),
        bind_host: str = "127.0.0.1",
        store: str | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        entries = tuple(allow)
        self.any = WEBHOOK_ALLOW_ANY in entries
        self.names = frozenset(e for e in entries if not e.startswith("*.") and not _ip(e))
        self.suffixes = tuple(e[1:] for e in entries if e.startswith("*."))  # ".internal"
        self.ips = frozenset(ip for e in entries if (ip := _ip(e)) is not None)
        self.own_ports = frozenset(p for p in own_ports if p)
        self.bind_any = bind_host in _WILDCARD_BINDS
        self.bind_ip = _ip(bind_host)
        self.store_host, self.store_port = _store_endpoint(store)
        self._resolver = resolver
        self._store_ips: frozenset[IP] | None = None
        self._pinned: dict[str, Target] = {}  # addresses resolved without a lookup
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressPolicy:
        return cls(
            webhook_allow_entries(settings.webhook_allow),
            own_ports=(settings.port, gateway_port_of(settings)),
            bind_host=settings.host,
            store=settings.store,
        )

    # -- before any lookup ------------------------------------------------------------------
    def check(self, address: str) -> None:
        """Raise AddressRefused unless `address` may be used; never looks a name up."""
        self._parse(address)

    def _parse(self, address: str) -> _Parsed:
        if not _PRINTABLE.fullmatch(address):
            raise AddressRefused("spaces, control or non-ASCII characters in the address")
        try:
            parts = urlsplit(address)
            port = parts.port
        except ValueError:
            raise AddressRefused("not a URL with a valid host and port") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise AddressRefused("not an http or https URL")
        if "@" in parts.netloc:
            raise AddressRefused("user information in the address")
        host = (parts.hostname or "").lower()
        if not host:
            raise AddressRefused("no host")
        port = port if port is not None else (443 if scheme == "https" else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        literal = _literal(host)
        loopback_name = literal is None and (host == "localhost" or host.endswith(".localhost"))
        parsed = _Parsed(scheme, host, port, path, literal, loopback_name)
        if literal is not None:
            self._allow_literal(literal, port)
        elif loopback_name:
            for ip in LOOPBACK_ADDRESSES:
                self._not_reserved(ipaddress.ip_address(ip), port)
        elif not (self.any or host in self.names or host.endswith(self.suffixes)):
            raise AddressRefused(f"{host} is neither loopback nor allowed by --webhook-allow")
        if port == self.store_port and host == self.store_host:
            raise AddressRefused("the store's port")
        return parsed

    def _allow_literal(self, ip: IP, port: int) -> None:
        if ip.is_unspecified:
            raise AddressRefused("an unspecified address")
        if not (ip.is_loopback or ip in self.ips):
            if not self.any:
                raise AddressRefused(f"{ip} is neither loopback nor allowed by --webhook-allow")
            if not _routable(ip):
                raise AddressRefused(f"{ip} is link-local, multicast or reserved")
        self._not_reserved(ip, port)

    def _not_reserved(self, ip: IP, port: int) -> None:
        """The emulator's own ports and its store's are never targets."""
        if port in self.own_ports and (
            self.bind_any or ip.is_loopback or ip.is_unspecified or ip == self.bind_ip
        ):
            raise AddressRefused("one of the emulator's own ports")
        if port == self.store_port and (ip.is_loopback or ip in self._store_addresses()):
            raise AddressRefused("the store's port")

    # -- one lookup -------------------------------------------------------------------------
    def resolve(self, address: str) -> Target:
        """The checked address with the IP addresses to connect to: a loopback name or an IP
        literal without a lookup; an allowed name looked up once, every answer checked."""
        parsed = self._parse(address)
        if parsed.literal is not None:
            found: tuple[str, ...] = (str(parsed.literal),)
        elif parsed.loopback_name:
            found = LOOPBACK_ADDRESSES
        else:
            found = self._lookup(parsed)
        return Target(parsed.scheme, parsed.host, parsed.port, parsed.path, found)

    def pinned(self, address: str) -> Target | None:
        """`resolve` of an address that needs no lookup (an IP literal, a loopback name), kept
        for the next POST to it: the answer depends on this policy and the address alone. None
        for a name that is looked up (once a POST: `resolve`). AddressRefused as `resolve`."""
        found = self._pinned.get(address)
        if found is not None:
            return found
        parsed = self._parse(address)
        if parsed.literal is None and not parsed.loopback_name:
            return None
        found = self.resolve(address)
        with self._lock:
            if len(self._pinned) >= PINNED:
                self._pinned.clear()
            self._pinned[address] = found
        return found

    def _lookup(self, parsed: _Parsed) -> tuple[str, ...]:
        resolver = self._resolver or socket.getaddrinfo
        try:
            answers = resolver(parsed.host, parsed.port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise AddressRefused(f"{parsed.host} is not known") from None
        found: list[str] = []
        for answer in answers:
            ip = _unmapped(ipaddress.ip_address(str(answer[4][0]).split("%", 1)[0]))
            explicit = ip in self.ips
            if ip.is_unspecified or not (explicit or ip.is_loopback or _routable(ip)):
                raise AddressRefused(f"{parsed.host} names {ip}: link-local, multicast or reserved")
            self._not_reserved(ip, parsed.port)
            if str(ip) not in found:
                found.append(str(ip))
        if not found:
            raise AddressRefused(f"{parsed.host} is not known")
        return tuple(found)

    def _store_addresses(self) -> frozenset[IP]:
        """The store's host as addresses (looked up once, and only when a target uses the
        store's port: the store's own client resolves that name anyway)."""
        if self.store_host is None:
            return frozenset()
        with self._lock:
            if self._store_ips is None:
                literal = _literal(self.store_host)
                if literal is not None:
                    self._store_ips = frozenset({literal})
                elif self.store_host == "localhost":
                    self._store_ips = frozenset()  # loopback: refused as loopback already
                else:
                    try:
                        resolver = self._resolver or socket.getaddrinfo
                        answers = resolver(self.store_host, self.store_port)
                        self._store_ips = frozenset(
                            _unmapped(ipaddress.ip_address(str(a[4][0]).split("%", 1)[0]))
                            for a in answers
                        )
                    except (OSError, ValueError):
                        self._store_ips = frozenset()
            return self._store_ips


def _literal(host: str) -> IP | None:
    """The host as an IP address, None for a name; AddressRefused for a host a URL parser
    could read as a number (`2130706433`, `127.1`, `0x7f.0.0.1`, `0177.0.0.1`) or a bad name."""
    if "%" in host:
        raise AddressRefused("a percent sign in the host")
    if ":" in host:
        try:
            ip = ipaddress.IPv6Address(host)
        except ValueError:
            raise AddressRefused("not an IPv6 address") from None
        if ip.ipv4_mapped is not None:
            raise AddressRefused("an IPv4-mapped IPv6 address (write the IPv4 address)")
        return ip
    if _DOTTED_QUAD.fullmatch(host):
        return ipaddress.IPv4Address(host)
    labels = host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise AddressRefused("not a host name")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise AddressRefused("a numeric host that is not a dotted-quad IPv4 address")
    return None


def _ip(text: str) -> IP | None:
    try:
        return _unmapped(ipaddress.ip_address(text.removeprefix("[").removesuffix("]")))
    except ValueError:
        return None


def _unmapped(ip: IP) -> IP:
    """An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _routable(ip: IP) -> bool:
    """Not link-local (cloud metadata lives there), multicast, reserved or unspecified."""
    return not (ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _store_endpoint(store: str | None) -> tuple[str | None, int | None]:
    """The store's host and port (a Redis URL's); None for a store without one."""
    if not store or not store.lower().startswith(("redis://", "rediss://")):
        return None, None
    try:
        parts = urlsplit(store)
        return (parts.hostname or "localhost").lower(), parts.port or 6379
    except ValueError:
        return None, None
