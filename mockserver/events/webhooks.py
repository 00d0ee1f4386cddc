"""The HTTP side of a WebHook (contract Part A.7, A.8): the create handshake and one POST.

urllib3 directly (not `requests`): the in-process mode patches `requests` with `responses`, and
a receiver on loopback must still be reached for real. A test may give a callable receiver
instead (`Receiver`); it gets the same request as a value.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import urllib3

from mockserver.errors import InvalidWebhookResponse, TokenNotReturned, WebhookUnreachable

TIMEOUT = 3.0  # seconds, the handshake's and each delivery's (Part A.7, A.8)
MAX_REPLY = 1024  # bytes of the handshake's answer, headers included (Part A.7)
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
    """Sends WebHook POSTs over HTTP, or to the callable receivers registered for addresses."""

    def __init__(self, receivers: Mapping[str, Receiver] | None = None) -> None:
        self.receivers: dict[str, Receiver] = dict(receivers or {})
        self._pool = urllib3.PoolManager(num_pools=16, retries=False)

    def send(self, outgoing: Outgoing) -> Answer:
        """POST it; raises OSError-like urllib3 errors (or TimeoutError) when there is no answer."""
        receiver = self._receiver(outgoing.address)
        if receiver is not None:
            return _answer(receiver(outgoing))
        reply = self._pool.request(
            "POST",
            outgoing.address,
            body=outgoing.body,
            headers=outgoing.headers,
            timeout=urllib3.Timeout(total=TIMEOUT),
            redirect=False,
            preload_content=True,
        )
        return Answer(reply.status, dict(reply.headers.items()), reply.data or b"")

    def has_receiver(self, address: str) -> bool:
        """A test's callable receiver stands for this address (it cannot be sent broken)."""
        return self._receiver(address) is not None

    def _receiver(self, address: str) -> Receiver | None:
        for prefix, receiver in self.receivers.items():
            if address.startswith(prefix):
                return receiver
        return None

    def handshake(self, address: str, token: str) -> None:
        """Part A.7: a POST with `Validation-Token` must come back 2xx, echoing it, in 3 s, in
        at most 1024 bytes; else SUB-521 (no answer), SUB-525 (bad answer), SUB-520 (no token)."""
        outgoing = Outgoing(
            address,
            {"Validation-Token": token, "Content-Type": CONTENT_TYPE, "User-Agent": USER_AGENT},
            b"",
        )
        try:
            answer = self.send(outgoing)
        except (urllib3.exceptions.HTTPError, OSError, ValueError):
            raise WebhookUnreachable() from None
        size = len(answer.body) + sum(len(k) + len(v) + 4 for k, v in answer.headers.items())
        if not 200 <= answer.status < 300 or size > MAX_REPLY:
            raise InvalidWebhookResponse()
        if answer.header("Validation-Token") != token:
            raise TokenNotReturned()


def delivery(address: str, envelope: dict[str, Any], token: str | None) -> Outgoing:
    """Part A.8: the envelope as JSON, with the headers the platform sends."""
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


def send_broken(outgoing: Outgoing, fault: str, hold: float) -> str:
    """Send `outgoing` broken the way a fault rule of `webhookDelivery` says (issue 16,
    docs/chaos.md), to a receiver on the network; the failure in the platform's words.

    `reset`: the request's head, then an RST before the body; `truncate`: the head (whole
    Content-Length) and half the body, then the connection closed; `stall`: the head, then
    nothing for `hold` seconds, then closed (the receiver's read of the body times out).
    """
    url = urllib3.util.parse_url(outgoing.address)
    host = url.host or "localhost"
    port = url.port or (443 if url.scheme == "https" else 80)
    lines = [f"POST {url.request_uri} HTTP/1.1", f"Host: {url.netloc}"]
    lines += [f"{k}: {v}" for k, v in outgoing.headers.items()]
    lines += [f"Content-Length: {len(outgoing.body)}", "Connection: close", "", ""]
    head = "\r\n".join(lines).encode()
    try:
        raw = socket.create_connection((host, port), timeout=TIMEOUT)
    except OSError:
        return "I/O operation is failed. Details: [Connection refused]"
    sock: socket.socket = raw
    try:
        if url.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
        if fault == "reset":
            sock.sendall(head)
            time.sleep(0.05)  # the receiver has read the head before the RST comes
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return "I/O operation is failed. Details: [Connection reset]"
        if fault == "truncate":
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
