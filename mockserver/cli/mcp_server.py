"""`presence-mock mcp`: a Model Context Protocol server over stdio, so an AI coding assistant can
drive a running emulator (docs/mcp.md).

Every tool is a request to the server's own HTTP surface: the `/_mock/` controls (so the
controls' access rules apply: `--controls off` leaves the assistant nothing, `token` asks for the
secret) and, to subscribe, the platform's API with the demo administrator's login, as
`presence-mock listen` does. The assistant can do nothing a curl on the same machine could not.
Needs the `mcp` extra (`pip install 'presence-mock[mcp]'`): the official MCP Python SDK.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mockserver.cli.server_url import add_url_option, server_url

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
STEPS = ("answer", "hold", "unhold", "end")

if TYPE_CHECKING:  # the mcp extra is imported when the command runs, not with the CLI
    from mcp.server.mcpserver import MCPServer


def add_mcp(commands: Any) -> None:
    mcp = commands.add_parser(
        "mcp",
        help="serve the running emulator's controls to an AI assistant (MCP over stdio)",
        epilog="Needs the mcp extra: pip install 'presence-mock[mcp]'. docs/mcp.md shows how to "
        "register it with an assistant.",
    )
    add_url_option(mcp)
    mcp.add_argument(
        "--controls-token",
        help="the bearer secret of a locked /_mock/ (visible in ps: prefer the file or "
        "PRESENCE_MOCK_CONTROLS_TOKEN)",
    )
    mcp.add_argument(
        "--controls-token-file", metavar="PATH", help="read --controls-token from PATH's first line"
    )


class Emulator:
    """The running emulator, as the tools reach it: its controls, and its API as the demo
    administrator."""

    def __init__(self, url: str, token: str | None, login: Callable[[], Mapping[str, str]]) -> None:
        import requests

        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False  # loopback: never through a proxy of the environment
        self.token = token
        self.login = login
        self._access: str | None = None

    def control(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        params = {k: v for k, v in query.items() if v is not None}
        return self._send(method, f"/_mock{path}", headers, body, params)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        if self._access is None:
            login = self.login()  # built on first use: most sessions never subscribe
            pair = f"{login['clientId']}:{login['clientSecret']}".encode()
            form = {"grant_type": JWT_GRANT, "assertion": login["jwt"]}
            headers = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
            found = self._send("POST", "/restapi/oauth/token", headers, None, {}, form=form)
            self._access = str(found["access_token"])
        headers = {"Authorization": f"Bearer {self._access}"}
        return self._send(method, path, headers, body, {})

    def _send(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any,
        params: dict[str, Any],
        form: dict[str, str] | None = None,
    ) -> Any:
        import requests
        from mcp.server.mcpserver.exceptions import ToolError

        try:
            answer = self.session.request(
                method,
                self.url + path,
                headers=headers,
                json=body,
                data=form,
                params=params,
                timeout=30,
            )
        except requests.RequestException as error:
            raise ToolError(f"{self.url}: no answer ({type(error).__name__})") from None
        if answer.status_code >= 400:
            raise ToolError(f"{method} {path}: {answer.status_code} {_reason(answer.text)}")
        return answer.json() if answer.content else None


def _reason(text: str) -> str:
    try:
        found = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(found, dict):
        return f"{found.get('errorCode', '')} {found.get('message', '')}".strip()
    return text[:200]


def build(emulator: Emulator) -> MCPServer[Any]:
    """The MCP server with its tools and resources, each a request to `emulator`."""
    from mcp.server.mcpserver import MCPServer

    server: MCPServer[Any] = MCPServer(
        "presence-mock",
        instructions="Drive a local RingCentral Presence API emulator: read and set presence, "
        "list extensions, simulate calls (magic numbers end them in a fixed way), play "
        "scenarios, move the emulator's clock, reset, subscribe to events and explain "
        "why a subscription did or did not get an event.",
    )

    @server.tool()
    def list_extensions(search: str | None = None, page: int = 1) -> dict[str, Any]:
        """A page of the account's extensions with their presence (name, number, type,
        status); `search` matches a name or number."""
        return dict(emulator.control("GET", "/board/extensions", search=search, page=page))

    @server.tool()
    def read_presence(extension: str) -> dict[str, Any]:
        """One extension's presence (by ID), as the board shows it."""
        return dict(emulator.control("GET", f"/board/extensions/{extension}"))

    @server.tool()
    def set_presence(
        extension: str,
        user_status: str | None = None,
        dnd_status: str | None = None,
        message: str | None = None,
    ) -> dict[str, Any]:
        """Set a user's status (Available, Busy, Offline), Do Not Disturb (TakeAllCalls,
        DoNotAcceptAnyCalls, DoNotAcceptDepartmentCalls, TakeDepartmentCallsOnly) or status
        message, as the user's own PUT would; subscribers get the event."""
        changes = {"userStatus": user_status, "dndStatus": dnd_status, "message": message}
        body = {k: v for k, v in changes.items() if v is not None}
        return dict(emulator.control("POST", f"/presence/{extension}", body))

    @server.tool()
    def ring(caller: str, callee: str, name: str | None = None) -> dict[str, Any]:
        """Place a call: each side an extension (ID or number) or an outside number (+E.164);
        the magic numbers (magic_numbers resource) end the call in a fixed way."""
        body = {"from": caller, "to": callee, **({"name": name} if name else {})}
        return dict(emulator.control("POST", "/calls", body))

    @server.tool()
    def call_step(call: str, step: str, extension: str | None = None) -> dict[str, Any]:
        """answer, hold, unhold or end a call (its telephonySessionId), as `extension` or the
        call's first party that can."""
        if step not in STEPS:
            from mcp.server.mcpserver.exceptions import ToolError

            raise ToolError(f"step must be one of {', '.join(STEPS)}, not {step!r}")
        body = {"extensionId": extension} if extension else {}
        return dict(emulator.control("POST", f"/calls/{call}/{step}", body))

    @server.tool()
    def list_calls() -> dict[str, Any]:
        """The calls in progress, with their parties."""
        return dict(emulator.control("GET", "/calls"))

    @server.tool()
    def play_scenario(file: str) -> dict[str, Any]:
        """Play a scenario file (YAML timeline of call steps) to its end on the server's clock;
        on a frozen clock the clock is moved, so it plays at once."""
        return _play(emulator, file)

    @server.tool()
    def move_clock(
        advance: float | None = None, offset: float | None = None, freeze: bool | None = None
    ) -> dict[str, Any]:
        """Move the emulator's clock: `advance` seconds forward, to `offset` seconds from real
        time, and/or `freeze` it (true) or let it run (false)."""
        changes = {"advance": advance, "offset": offset, "freeze": freeze}
        body = {k: v for k, v in changes.items() if v is not None}
        return dict(emulator.control("POST", "/clock", body))

    @server.tool()
    def reset() -> dict[str, Any]:
        """Every presence back to the seed, no calls, no subscriptions, an empty journal."""
        return dict(emulator.control("POST", "/reset"))

    @server.tool()
    def subscribe(address: str, filters: list[str] | None = None) -> dict[str, Any]:
        """Create a WebHook subscription (as the demo administrator) that POSTs presence events
        to `address` (the server's WebHook address policy applies); `filters` default to the
        account's presence with telephony."""
        body = {
            "eventFilters": filters
            or ["/restapi/v1.0/account/~/presence?detailedTelephonyState=true"],
            "deliveryMode": {"transportType": "WebHook", "address": address},
        }
        return dict(emulator.api("POST", "/restapi/v1.0/subscription", body))

    @server.tool()
    def explain(extension: str | None = None, subscription: str | None = None) -> dict[str, Any]:
        """Why an extension's changes did or did not reach each subscription (delivered, or the
        reason: filter, no change, hidden, permission, expired, socket...)."""
        return dict(
            emulator.control(
                "GET", "/events/explain", extensionId=extension, subscriptionId=subscription
            )
        )

    @server.tool()
    def recent_events(after: int = 0) -> dict[str, Any]:
        """The presence changes logged after position `after` (at most 100)."""
        return dict(emulator.control("GET", "/event-log", after=after))

    @server.resource("presence-mock://account", mime_type="application/json")
    def account() -> str:
        """The account: its ID, name, main number, size, call queues and the choices."""
        return json.dumps(emulator.control("GET", "/board/setup"))

    @server.resource("presence-mock://journal", mime_type="application/json")
    def journal() -> str:
        """Every API request since the last reset, with its verdict under the request rules."""
        return json.dumps(emulator.control("GET", "/requests"))

    @server.resource("presence-mock://magic-numbers", mime_type="application/json")
    def magic_numbers() -> str:
        """The outside numbers whose calls end in a fixed way."""
        return json.dumps(emulator.control("GET", "/magic-numbers"))

    return server


def _play(emulator: Emulator, file: str) -> dict[str, Any]:
    from mcp.server.mcpserver.exceptions import ToolError

    from mockserver.cli.calls import HttpDriver
    from mockserver.telephony.scenario import Playback, ScenarioError, load

    try:
        loaded = load(file)
    except (ScenarioError, OSError) as error:
        raise ToolError(f"{file}: {error}") from None
    driver = HttpDriver(emulator.url, token=emulator.token)
    playback = Playback(loaded, driver, strict=False)
    playback.run(advance_frozen=True)
    return {
        "steps": [{"action": o.step.action, "refused": o.refused} for o in playback.outcomes],
        "refused": sum(1 for o in playback.outcomes if o.refused),
    }


def run_mcp(
    args: argparse.Namespace, token: str | None, login: Callable[[], Mapping[str, str]]
) -> int:
    """Serve over stdio until the assistant closes it; `login` is asked on the first
    `subscribe` (the demo administrator of the settings in the environment)."""
    try:
        import mcp  # noqa: F401 - only to say what is missing, in one line
    except ImportError:
        print(
            "presence-mock: mcp needs the mcp extra: pip install 'presence-mock[mcp]'",
            file=sys.stderr,
        )
        return 2
    url = server_url(args, os.environ)
    build(Emulator(url, token, login)).run("stdio")
    return 0
