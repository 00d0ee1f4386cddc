"""Where the WebSocket gateway is, as a client of this request can reach it.

The gateway is its own process on its own port (mockserver/gateway); the REST side announces it
on the host name the request used: in wstoken's `uri` (docs/contract.md#websocket-token) and in `GET
/_mock/gateway` (the board finds the event stream there: decision WS-15). Where clients reach
the gateway by another name or port (a container's ports published under other numbers, a
proxy), `--gateway-public-url` says where, and every link is built on it (decision SHIP-3).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mockserver.config import Settings, gateway_port_of, gateway_public_base


def hostname(host: str) -> str:
    """The Host header without its port; an IPv6 literal keeps its brackets."""
    name = urlsplit(f"//{host}").hostname or "127.0.0.1"
    return f"[{name}]" if ":" in name else name


def links(host: str, settings: Settings) -> dict[str, str | int]:
    port = gateway_port_of(settings)
    public = gateway_public_base(settings.gateway_public_url)
    if public is None:
        name = hostname(host)
        public = (f"ws://{name}:{port}", f"http://{name}:{port}")
    websocket, http = public
    return {
        "port": port,
        "websocket": f"{websocket}/ws",
        "stream": f"{http}/_mock/stream",
        "health": f"{http}/_mock/health",
    }
