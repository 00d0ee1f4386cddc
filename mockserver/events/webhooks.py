"""The HTTP side of a WebHook: the create handshake (docs/contract.md#webhook-handshake) and
one POST (docs/contract.md#webhook-delivery).

urllib3 directly (not `requests`): the in-process mode patches `requests` with `responses`, and
a receiver on loopback must still be reached for real. A test may give a callable receiver
instead (`Receiver`); it gets the same request as a value.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import urllib3
import urllib3.connection
from urllib3.util.wait import wait_for_read

from mockserver.chaos import Fault
from mockserver.errors import InvalidWebhookResponse, TokenNotReturned, WebhookUnreachable
from mockserver.events.addresses import AddressPolicy, AddressRefused, Target

log = logging.getLogger("presence_mock")
TIMEOUT = 3.0  # seconds, the handshake's and each delivery's
MAX_REPLY = 1024  # bytes of the handshake's answer, headers included
CONNECT_TIMEOUT = 1.0  # seconds: a receiver that takes longer to accept is not reachable
# A handshake runs on one of the app's few threads (two a worker): it waits QUICK seconds for
# the receiver's answer to start; past that only SLOW_HANDSHAKES per process may go on waiting
# (up to TIMEOUT); the others end at once with SUB-521 (docs/security.md).
QUICK = 0.25
SLOW_HANDSHAKES = 1
USER_AGENT = "RingCentral-Webhook/8.3"
CONTENT_TYPE = "application/json; charset=UTF-8"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A POST to a WebHook address, as a value (what a callable receiver is given)."""

    address: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True, slots=True)
class Answer:
    """The receiver's answer."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


# A test's receiver: given the request, returns an Answer (or an int status, or None for 200).
Receiver = Callable[[Outgoing], "Answer | int | None"]


class Transport:
    """Sends WebHook POSTs over HTTP, or to the callable receivers registered for addresses.

    Every HTTP POST goes through `policy`: the address is checked before any lookup, a name is
    looked up once, and the connection is made to an address that was checked. An answer is
    read at most MAX_REPLY + 1 bytes (headers apart), then the connection is closed.
    """

    def __init__(
        self, receivers: Mapping[str, Receiver] | None = None, policy: AddressPolicy | None = None
    ) -> None:
        self.receivers: dict[str, Receiver] = dict(receivers or {})
        self.policy = policy or AddressPolicy()
        # Handshakes run on the app's threads: only this many per process may wait past QUICK.
        self._slow = threading.BoundedSemaphore(SLOW_HANDSHAKES)

    def send(self, outgoing: Outgoing) -> Answer:
        """POST it; raises AddressRefused, OSError-like urllib3 errors (or TimeoutError) when
        there is no answer."""
        receiver = self._receiver(outgoing.address)
        if receiver is not None:
            return _answer(receiver(outgoing))
        return self._exchange(outgoing, None)

    def check(self, address: str) -> None:
        """SUB-521 for an address the policy refuses (a test's callable receiver stands for its
        addresses: nothing goes to the network for them)."""
        if self._receiver(address) is not None:
            return
        try:
            self.policy.check(address)
        except AddressRefused as refused:
            _refused(address, refused)
            raise WebhookUnreachable() from None

    def has_receiver(self, address: str) -> bool:
        """A test's callable receiver stands for this address (it cannot be sent broken)."""
        return self._receiver(address) is not None

    def _receiver(self, address: str) -> Receiver | None:
        for prefix, receiver in self.receivers.items():
            if address.startswith(prefix):
                return receiver
        return None

    def handshake(self, address: str, token: str) -> None:
        """The handshake: a POST with `Validation-Token` must come back 2xx, echoing it, in 3 s, in
        at most 1024 bytes; else SUB-521 (no answer), SUB-525 (bad answer), SUB-520 (no token).
        An address the policy refuses is SUB-521 before anything is sent."""
        outgoing = Outgoing(
            address,
            {"Validation-Token": token, "Content-Type": CONTENT_TYPE, "User-Agent": USER_AGENT},
            b"",
        )
        receiver = self._receiver(address)
        try:
            if receiver is not None:
                answer = _answer(receiver(outgoing))
            else:
                answer = self._exchange(outgoing, self._slow)
        except AddressRefused as refused:
            _refused(address, refused)
            raise WebhookUnreachable() from None
        except (urllib3.exceptions.HTTPError, OSError, ValueError):
            raise WebhookUnreachable() from None
        size = len(answer.body) + sum(len(k) + len(v) + 4 for k, v in answer.headers.items())
        if not 200 <= answer.status < 300 or size > MAX_REPLY:
            raise InvalidWebhookResponse()
        if answer.header("Validation-Token") != token:
            raise TokenNotReturned()

    def _exchange(self, outgoing: Outgoing, slow: threading.BoundedSemaphore | None) -> Answer:
        """One POST to the checked addresses of `outgoing.address`. With `slow` (a handshake),
        an answer not started within QUICK seconds is waited for only while holding `slow`;
        when it is taken, the handshake ends at once (TimeoutError)."""
        target = self.policy.resolve(outgoing.address)
        deadline = time.monotonic() + TIMEOUT
        sock = connect(target, deadline)
        holding = False
        connection = urllib3.connection.HTTPConnection(target.host, target.port)
        try:
            connection.sock = sock
            headers = {**outgoing.headers, "Host": target.host_header}
            connection.request(
                "POST",
                target.path,
                body=outgoing.body,
                headers=headers,
                preload_content=False,
                decode_content=False,
            )
            if slow is not None and not wait_for_read(sock, timeout=QUICK):
                holding = slow.acquire(blocking=False)
                if not holding:
                    raise TimeoutError("another slow handshake is waiting in this process")
            connection.timeout = max(0.001, deadline - time.monotonic())
            reply = connection.getresponse()
            body = reply.read(MAX_REPLY + 1)  # at most: more is not read, the socket is closed
            return Answer(reply.status, dict(reply.headers.items()), body)
        except http.client.HTTPException as error:  # not HTTP, or headers beyond its bounds
            raise ConnectionError(f"Invalid answer: {type(error).__name__}") from None
        finally:
            if holding and slow is not None:
                slow.release()
            connection.close()
            sock.close()


def connect(target: Target, deadline: float) -> socket.socket:
    """A connection to one of the target's checked addresses (TLS for https, with the name as
    the server name): never a lookup. The last address's error when none answers."""
    error: OSError = AddressRefused("no address")
    for address in target.addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(max(0.001, min(CONNECT_TIMEOUT, deadline - time.monotonic())))
            sock.connect((address, target.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            if target.scheme == "https":
                context = ssl.create_default_context()
                return context.wrap_socket(sock, server_hostname=target.host)
            return sock
        except OSError as failed:
            sock.close()
            error = failed
    raise error


def _refused(address: str, refused: AddressRefused) -> None:
    """One line for the operator (the client gets the platform's SUB-521): the host and why,
    never the path or query (they may hold secrets); escaped and cut short (a host can hold
    line breaks)."""
    try:
        host = urllib3.util.parse_url(address).host or "?"
    except (ValueError, urllib3.exceptions.LocationParseError):
        host = "?"
    shown = host[:100].encode("unicode_escape").decode("ascii")
    log.warning(
        "presence-mock: WebHook address refused (host %s): %s; see --webhook-allow", shown, refused
    )


def delivery(address: str, envelope: dict[str, Any], token: str | None) -> Outgoing:
    """The envelope as JSON, with the headers the platform sends
    (docs/contract.md#webhook-delivery)."""
    headers = {"Content-Type": CONTENT_TYPE, "User-Agent": USER_AGENT, "Accept": "application/json"}
    if token:
        # Sources disagree on the name: both headers, the same token.
        headers["Verification-Token"] = token
        headers["Validation-Token"] = token
    body = json.dumps(envelope, separators=(",", ":")).encode()
    return Outgoing(address, headers, body)


def _answer(given: Answer | int | None) -> Answer:
    if given is None:
        return Answer(200)
    if isinstance(given, int):
        return Answer(given)
    return given


def send_broken(
    outgoing: Outgoing, fault: Fault, hold: float, policy: AddressPolicy | None = None
) -> str:
    """Send `outgoing` broken the way a fault rule of `webhookDelivery` says (docs/chaos.md), to a
    receiver on the network; the failure in the platform's words. The address goes through `policy`
    as every POST does (default: loopback only).

    `reset`: the request's head, then an RST before the body; `truncate`: the head (whole
    Content-Length) and half the body, then the connection closed; `stall`: the head, then
    nothing for `hold` seconds, then closed (the receiver's read of the body times out).
    """
    try:
        target = (policy or AddressPolicy()).resolve(outgoing.address)
    except AddressRefused as refused:
        return f"I/O operation is failed. Details: [{refused}]"
    lines = [f"POST {target.path} HTTP/1.1", f"Host: {target.host_header}"]
    lines += [f"{k}: {v}" for k, v in outgoing.headers.items()]
    lines += [f"Content-Length: {len(outgoing.body)}", "Connection: close", "", ""]
    head = "\r\n".join(lines).encode()
    try:
        sock = connect(target, time.monotonic() + TIMEOUT)
    except OSError:
        return "I/O operation is failed. Details: [Connection refused]"
    try:
        if fault == Fault.RESET:
            sock.sendall(head)
            time.sleep(0.05)  # the receiver has read the head before the RST comes
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return "I/O operation is failed. Details: [Connection reset]"
        if fault == Fault.TRUNCATE:
            sock.sendall(head + outgoing.body[: len(outgoing.body) // 2])
            time.sleep(0.05)
            return "I/O operation is failed. Details: [Unexpected end of stream]"
        sock.sendall(head)  # stall
        time.sleep(hold)
        return "I/O operation is failed. Details: [Read timed out]"
    except OSError as error:
        return f"I/O operation is failed. Details: [{error.strerror or error}]"
    finally:
        sock.close()
