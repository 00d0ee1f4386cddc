"""Faults as the network shows them, made from inside a WSGI app.

The body of a faulty answer is an iterator that raises `NetworkFault` where the connection
should break; what a client then sees depends on the server (checked against granian's WSGI
server in tests/e2e/test_chaos.py):

* empty: the request's socket is shut down before any answer (a FIN): `RemoteDisconnected`;
* reset: the socket is set to linger 0 (SO_LINGER) and closed under the server (a TCP RST):
  `ConnectionResetError`. granian sends an answer's headers before it reads the body, so a
  body that raises cannot do either; the socket is found through /proc (Linux) by the
  request's addresses;
* truncate: the headers and the first half of the real body, then the break: `IncompleteRead`;
* stall: nothing for `stall` seconds (one app thread held), then an empty reply.

The in-process mode runs the same iterators with `INPROCESS` in the environ (no sleeping, no
socket) and turns the `NetworkFault` into the exception `requests` would raise.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import time
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from mockserver.chaos.specs import Fault

log = logging.getLogger("presence_mock")
INPROCESS = "presence_mock.inprocess"
FLUSH = 0.05  # seconds granian needs to write the first part of a cut body before the break
_LINGER_NOW = struct.pack("ii", 1, 0)
_ESTABLISHED = 1  # tcpi_state
# struct tcp_info (linux/tcp.h): tcpi_last_data_sent, _last_ack_sent, _last_data_recv (ms ago)
# from byte 44; tcpi_data_segs_out (segments with data this side sent) at 156 (Linux 4.6+).
_TCP_INFO_LAST_SENT = 44
_TCP_INFO_DATA_SEGS_OUT = 156
_TCP_INFO_SIZE = 160  # offsets of tcpi_last_data_sent / tcpi_last_data_recv (ms ago)


class NetworkFault(Exception):
    """Raised by a faulty body where the connection breaks; `sent` is what went out before."""

    def __init__(self, kind: Fault, sent: bytes = b"", missing: int = 0) -> None:
        super().__init__(f"presence-mock fault: {kind}")
        self.kind = kind
        self.sent = sent
        self.missing = missing  # bytes of the declared length never sent


def broken_body(kind: Fault, environ: Mapping[str, Any], body: bytes = b"") -> Iterator[bytes]:
    """The body of a faulty answer: for `truncate`, the first half of `body` and then the
    break; for the others (whose connection `hang_up` has already ended) the break at once."""
    if kind == Fault.TRUNCATE:
        cut = body[: len(body) // 2]
        if cut:
            yield cut
        if not environ.get(INPROCESS):
            time.sleep(FLUSH)
        raise NetworkFault(kind, cut, len(body) - len(cut))
    raise NetworkFault(kind)


def hang_up(kind: Fault, environ: Mapping[str, Any]) -> bool:
    """End the request's connection before any byte of an answer: `reset` with a TCP RST,
    `empty` (and a stall, once over) with a FIN. False where the socket could not be told
    apart (the answer's body then breaks after the headers, which granian has sent)."""
    if environ.get(INPROCESS):
        return True
    # A stalled client has usually given up by now: its socket is gone, and nothing is amiss.
    fd = connection_of(environ, warn=kind != Fault.STALL)
    if fd is None:
        return False
    with socket.socket(fileno=os.dup(fd)) as twin:
        if kind != Fault.RESET:
            twin.shutdown(socket.SHUT_RDWR)
            return True
        twin.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_NOW)
    # The server holds the last reference: put a blank socket in its place, so the connection
    # is closed now, with linger 0 (an RST); the server's write then fails on the blank one.
    with socket.socket() as blank:
        os.dup2(blank.fileno(), fd)
    return True


def stall(environ: Mapping[str, Any], seconds: float) -> None:
    """Nothing for `seconds`, then a FIN on this request's socket. The socket is found before
    the wait: by its end the stalled client has usually gone, and another request from the same
    address may be in flight, whose socket must not be taken for this one's."""
    if environ.get(INPROCESS):
        return
    fd = connection_of(environ, warn=False)
    peer = _peer_of(fd) if fd is not None else None
    time.sleep(seconds)
    if fd is None or peer is None or _peer_of(fd) != peer:  # gone, or its number reused
        return
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fd)) as twin:
        twin.shutdown(socket.SHUT_RDWR)


def _peer_of(fd: int) -> Any:
    try:
        with socket.socket(fileno=os.dup(fd)) as twin:
            return twin.getpeername()
    except OSError:
        return None


def connection_of(environ: Mapping[str, Any], warn: bool = True) -> int | None:
    """The descriptor of the socket this request came in on, or None.

    A WSGI app is not given its socket: it is found among this process's descriptors by the
    server port and the client's address. Of several from that address, the one whose last
    data came in after it last sent (a request in flight) is meant; if that is not one socket,
    None.
    """
    try:
        port = int(environ.get("SERVER_PORT", 0))
        peer = str(environ.get("REMOTE_ADDR", ""))
        found = list(_candidates(port, peer))
    except (OSError, ValueError):
        return None
    if len(found) > 1:  # in flight: never answered yet, or data came in after the last answer
        found = [c for c in found if c.answered == 0 or c.received < c.sent]
    if len(found) != 1 and warn:
        log.warning("chaos: cannot tell this request's socket apart (%d candidates)", len(found))
    return found[0].fd if len(found) == 1 else None


class _Candidate(NamedTuple):
    fd: int
    sent: int  # ms since this side last sent data
    received: int  # ms since data last came in
    answered: int  # data segments this side has sent


def _candidates(port: int, peer: str) -> Iterator[_Candidate]:
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                continue
            with socket.socket(fileno=os.dup(int(name))) as twin:
                if twin.family not in (socket.AF_INET, socket.AF_INET6):
                    continue
                local, remote = twin.getsockname(), twin.getpeername()
                if local[1] != port or remote[0] != peer:
                    continue
                info = twin.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_SIZE)
                if info[0] != _ESTABLISHED:  # a client gone (CLOSE_WAIT) is not this request
                    continue
                sent, _, received = struct.unpack_from("III", info, _TCP_INFO_LAST_SENT)
                answered = struct.unpack_from("I", info, _TCP_INFO_DATA_SEGS_OUT)[0]
                yield _Candidate(int(name), sent, received, answered)
