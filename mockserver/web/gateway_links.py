"""Where the WebSocket gateway is, as a client of this request can reach it.

The gateway is its own process on its own port (mockserver/gateway); the REST side announces it
on the host name the request used: in wstoken's `uri` (docs/contract.md#websocket-token) and in `GET
/_mock/gateway` (the board finds the event stream there: decision WS-15).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mockserver.config import Settings, gateway_port_of


def hostname(host: str) -> str:
    """The Host header without its port; an IPv6 literal keeps its brackets."""
    name = urlsplit(f"//{host}").hostname or "127.0.0.1"
    return f"[{name}]" if ":" in name else name


def links(host: str, settings: Settings) -> dict[str, str | int]:
    name, port = hostname(host), gateway_port_of(settings)
    return {
        "port": port,
        "websocket": f"ws://{name}:{port}/ws",
        "stream": f"http://{name}:{port}/_mock/stream",
        "health": f"http://{name}:{port}/_mock/health",
    }
