"""Small HTTP servers on loopback for tests: a plain server that is not the emulator (for
pass-through and "not RingCentral" checks). WebHook receivers are the kit's own
(`presence_mock_kit.receiver.WebhookReceiver`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *_args: object) -> None:
        pass


@contextmanager
def hello_server() -> Iterator[str]:
    """A server on a free loopback port answering every GET with `hello`; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


OWN_PRESENCE = "/restapi/v1.0/account/~/extension/~/presence"


def webhook_body(address: str, filters: list[str] | None = None) -> dict[str, object]:
    """A WebHook subscription's create body: `filters` (the caller's own presence by
    default), delivered to `address`."""
    return {
        "eventFilters": filters or [OWN_PRESENCE],
        "deliveryMode": {"transportType": "WebHook", "address": address},
    }
