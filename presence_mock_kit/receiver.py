"""A WebHook receiver on loopback: answers the `Validation-Token` handshake and records every
delivery. The kit judges subscriptions through it; `presence-mock listen` prints through it;
the emulator's own tests use it as the real HTTP receiver. Standard library only.

    with WebhookReceiver() as hook:          # http://127.0.0.1:<free port>/hook
        ...create a subscription with address=hook.url...
        delivery = hook.wait_for(lambda d: d.json["body"]["userStatus"] == "Busy")
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


POLL = 0.05  # seconds between the server loop's looks at a stop request


class WebhookReceiver:
    """`status` (200) answers deliveries; `echo` (True) echoes the handshake's token; `delay`
    (seconds) before answering anything; all three may be changed while it runs."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/hook",
        on_delivery: Callable[[Received], None] | None = None,
    ) -> None:
        self.status = 200
        self.echo = True
        self.delay = 0.0
        self.handshakes: list[Received] = []
        self.deliveries: list[Received] = []
        self.on_delivery = on_delivery
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._server.server_address[:2]
        if isinstance(bound_host, bytes):
            bound_host = bound_host.decode()
        self.url = f"http://{bound_host}:{bound_port}{path}"

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> WebhookReceiver:
        # A short poll: stop() waits for the loop's next look, 0.5 s by default, which a test
        # suite that starts a receiver per test pays every time.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- reading --------------------------------------------------------------------------------
    def wait_for(
        self, test: Callable[[Received], bool] = lambda _: True, timeout: float = 10.0
    ) -> Received:
        """The first delivery that passes `test`, waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((d for d in self.deliveries if _passes(test, d)), None)
                left = deadline - time.monotonic()
                if found is not None:
                    return found
                if left <= 0:
                    raise TimeoutError(f"no matching delivery in {timeout} s")
                self._changed.wait(left)

    def wait_for_count(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.deliveries) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.deliveries)} of {count} deliveries")
                self._changed.wait(left)
            return list(self.deliveries)

    def _got(self, received: Received) -> None:
        with self._changed:
            if received.header("Validation-Token") and not received.body:
                self.handshakes.append(received)
            else:
                self.deliveries.append(received)
            self._changed.notify_all()
        if self.on_delivery is not None and received.body:
            self.on_delivery(received)


def _passes(test: Callable[[Received], bool], delivery: Received) -> bool:
    try:
        return bool(test(delivery))
    except (KeyError, TypeError, ValueError, IndexError):
        return False


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            received = Received(self.path, dict(self.headers.items()), body, time.monotonic())
            # Kept before answering (once): the sender may read `handshakes` as soon as it has
            # the answer (a create's handshake is over when the create answers).
            receiver._got(received)
            if receiver.delay:
                time.sleep(receiver.delay)
            token = received.header("Validation-Token")
            handshake = token is not None and not body
            status = 200 if handshake else receiver.status
            self.send_response(status)
            if handshake and receiver.echo:
                self.send_header("Validation-Token", token or "")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
