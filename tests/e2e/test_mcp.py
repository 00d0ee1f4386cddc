"""End to end: `presence-mock mcp` driven by the official MCP Python SDK's own client over stdio,
against a live `serve`: each tool acts on the server as its controls would, events reach a
subscription made through it, resources read the account and the journal, and a locked
`/_mock/` stays locked to the assistant."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from presence_mock_kit.receiver import WebhookReceiver
from tests.support.calls_helpers import account, quiet_users
from tests.support.live_server import COMMAND, serving

USERS = quiet_users(account())
TOOLS = {
    "list_extensions",
    "read_presence",
    "set_presence",
    "ring",
    "call_step",
    "list_calls",
    "play_scenario",
    "move_clock",
    "reset",
    "subscribe",
    "explain",
    "recent_events",
}
Session = Callable[[Callable[[Any], Awaitable[Any]]], Any]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("mcp")) as url:
        yield url


def with_assistant(url: str, env: dict[str, str] | None = None) -> Session:
    """Run `script(client)` against a fresh `presence-mock mcp --url url` over stdio."""

    def run(script: Callable[[Any], Awaitable[Any]]) -> Any:
        params = StdioServerParameters(
            command=COMMAND, args=["mcp", "--url", url], env={**os.environ, **(env or {})}
        )

        async def session() -> Any:
            async with Client(params) as client:
                return await script(client)

        return asyncio.run(session())

    return run


async def call(client: Any, tool: str, **arguments: Any) -> Any:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return result.structured_content


def test_the_tools_and_resources_are_listed(server: str) -> None:
    async def script(client: Any) -> tuple[set[str], set[str]]:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        return tools, resources

    tools, resources = with_assistant(server)(script)
    assert tools == TOOLS
    assert resources == {
        "presence-mock://account",
        "presence-mock://journal",
        "presence-mock://magic-numbers",
    }


def test_presence_set_by_the_assistant_reaches_a_subscriber_and_the_api(server: str) -> None:
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    user = USERS[0]
    with WebhookReceiver() as hook:

        async def script(client: Any) -> Any:
            created = await call(client, "subscribe", address=hook.url)
            await call(client, "set_presence", extension=str(user.id), user_status="Busy")
            row = await call(client, "read_presence", extension=str(user.id))
            journal = await client.read_resource("presence-mock://journal")
            return created, row, json.loads(journal.contents[0].text)

        created, row, journal = with_assistant(server)(script)
        got = hook.wait_for(lambda d: d.json.get("body", {}).get("extensionId") == str(user.id))
    assert created["id"] and created["deliveryMode"]["address"] == hook.url
    assert got.json["subscriptionId"] == created["id"]
    assert got.json["body"]["userStatus"] == "Busy"
    assert row["presence"]["userStatus"] == "Busy"
    entries = journal["records"] if isinstance(journal, dict) else journal
    assert any(e["method"] == "POST" and e["path"].endswith("/subscription") for e in entries)


def test_calls_the_clock_and_reset_through_the_assistant(server: str, tmp_path: Path) -> None:
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    a, b = USERS[1], USERS[2]
    scenario = tmp_path / "busy.yaml"
    scenario.write_text(
        "name: a busy caller\nsteps:\n"
        f'  - at: 0s\n    ring: {{from: "+15550100001", to: "{b.number}", call: busy}}\n'
    )

    async def script(client: Any) -> dict[str, Any]:
        placed = await call(client, "ring", caller="+15550100020", callee=a.number)
        ringing = await call(client, "read_presence", extension=str(a.id))
        frozen = await call(client, "move_clock", freeze=True)
        await call(client, "move_clock", advance=10)
        # The server's call timer plays what fell due within a tenth of a second or so.
        for _ in range(50):
            answered = await call(client, "read_presence", extension=str(a.id))
            if answered["presence"]["telephonyStatus"] != "Ringing":
                break
            await asyncio.sleep(0.05)
        session = placed["telephonySessionId"]
        await call(client, "call_step", call=session, step="end")
        played = await call(client, "play_scenario", file=str(scenario))
        wrong = await client.call_tool("call_step", {"call": session, "step": "dance"})
        await call(client, "reset")
        clock = requests.get(f"{server}/_mock/clock", timeout=10).json()
        return {
            "ringing": ringing["presence"]["telephonyStatus"],
            "frozen": frozen["frozen"],
            "answered": answered["presence"]["telephonyStatus"],
            "played": played,
            "wrong": wrong,
            "clock": clock,
        }

    found = with_assistant(server)(script)
    assert found["ringing"] == "Ringing" and found["frozen"] is True
    assert found["answered"] == "CallConnected"
    assert found["played"] == {"steps": [{"action": "ring", "refused": None}], "refused": 0}
    assert found["wrong"].is_error and "dance" in found["wrong"].content[0].text
    assert found["clock"]["frozen"] is False  # the reset put the clock back on real time


def test_a_locked_controls_surface_stays_locked_to_the_assistant(tmp_path: Path) -> None:
    secret = "an-assistant-needs-this-secret-1234"
    token_file = tmp_path / "token"
    token_file.write_text(secret + "\n")
    with serving(tmp_path, "--controls", "token", "--controls-token-file", str(token_file)) as url:

        async def script(client: Any) -> Any:
            return await client.call_tool("list_calls", {})

        refused = with_assistant(url)(script)
        allowed = with_assistant(url, {"PRESENCE_MOCK_CONTROLS_TOKEN": secret})(script)
    assert refused.is_error and "401" in refused.content[0].text
    assert not allowed.is_error and "records" in allowed.structured_content


def test_without_a_server_a_tool_says_so_in_one_line(tmp_path: Path) -> None:
    from tests.support.live_server import free_port

    async def script(client: Any) -> Any:
        return await client.call_tool("reset", {})

    refused = with_assistant(f"http://127.0.0.1:{free_port()}")(script)
    assert refused.is_error
    text = refused.content[0].text
    assert "no answer" in text and "\n" not in text.strip()
