"""The loopback guard: this process may look up no name and open no connection off this machine.

The guard stops, before it happens:

- a name lookup (`getaddrinfo`, `gethostbyname`, `gethostbyaddr` ...) of anything but a
  loopback or unspecified address literal, `localhost` or a `*.localhost` name;
- a connect or datagram to an address outside 127.0.0.0/8 and ::1.

The stopped call raises `NonLoopbackAccess` (an OSError, so code that survives an unreachable
host survives it too), and a line goes to the log file named by LOOPBACK_GUARD_LOG, which the
test run's plugin (tests/support/network_guard.py) reads after each test.

Standard library only: `sitecustomize.py` beside it installs it in every Python process started
with this folder on PYTHONPATH, before any of the process's own code runs.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

LOG_VARIABLE = "LOOPBACK_GUARD_LOG"
SITE = Path(__file__).parent
NODE_GUARD = SITE / "loopback-guard.cjs"


class NonLoopbackAccess(PermissionError):
    """A lookup or connect that would have left this machine."""


def _loopback_host(host: object) -> bool:
    if host is None:
        return True  # a passive lookup for binding
    if isinstance(host, bytes):
        host = host.decode("idna", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").rstrip(".").lower()
    if name in ("", "localhost") or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False  # a name: resolving it asks a resolver off the machine
    return address.is_loopback or address.is_unspecified


def _record(call: str, target: object) -> NonLoopbackAccess:
    line = {"pid": os.getpid(), "call": call, "target": repr(target)[:200], "argv": sys.argv[:3]}
    path = os.environ.get(LOG_VARIABLE)
    if path:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, (json.dumps(line) + "\n").encode())
        finally:
            os.close(descriptor)
    return NonLoopbackAccess(f"loopback guard: {call}({target!r}) would leave this machine")


def _guard_lookup(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(host: object, *args: Any, **kwargs: Any) -> Any:
        if not _loopback_host(host):
            raise _record(name, host)
        return original(host, *args, **kwargs)

    guarded.__wrapped__ = original  # type: ignore[attr-defined]
    return guarded


def _address_host(address: object) -> object:
    if isinstance(address, tuple) and address:
        return address[0]
    return None  # AF_UNIX paths and the like never leave the machine


def _guard_socket_call(
    name: str, original: Callable[..., Any], position: int
) -> Callable[..., Any]:
    def guarded(self: socket.socket, *args: Any) -> Any:
        address = args[position] if len(args) > position else None
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback_host(
            _address_host(address)
        ):
            raise _record(name, address)
        return original(self, *args)

    guarded.__wrapped__ = original  # type: ignore[attr-defined]
    return guarded


def install() -> None:
    """Guard this process (once)."""
    if getattr(socket, "_loopback_guard", False):
        return
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        setattr(socket, name, _guard_lookup(name, getattr(socket, name)))
    socket.socket.connect = _guard_socket_call("connect", socket.socket.connect, 0)  # type: ignore[method-assign]
    socket.socket.connect_ex = _guard_socket_call("connect_ex", socket.socket.connect_ex, 0)  # type: ignore[method-assign]
    # sendto(data, address) or sendto(data, flags, address): the address is the last argument
    socket.socket.sendto = _guard_socket_call("sendto", socket.socket.sendto, -1)  # type: ignore[method-assign]
    socket._loopback_guard = True  # type: ignore[attr-defined]


def child_environment(log: Path, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """What a child process of environment `base` needs to guard itself and log to `log`."""
    paths = [str(SITE), *filter(None, base.get("PYTHONPATH", "").split(os.pathsep))]
    node = base.get("NODE_OPTIONS", "")
    require = f"--require={NODE_GUARD}"
    return {
        LOG_VARIABLE: str(log),
        "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)),
        "NODE_OPTIONS": node if require in node else f"{require} {node}".strip(),
    }


def violations(log: Path, start: int) -> tuple[list[dict[str, Any]], int]:
    """The lines written to `log` from byte `start` on, and where they end."""
    try:
        with log.open("rb") as stream:
            stream.seek(start)
            data = stream.read()
    except FileNotFoundError:
        return [], start
    return [json.loads(line) for line in data.splitlines() if line.strip()], start + len(data)
