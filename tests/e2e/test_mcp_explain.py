"""The MCP server's `explain` tool (docs/mcp.md) reads the emulator's explained deliveries
(docs/explain.md): driven by the official MCP SDK's client over stdio against a live `serve`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from presence_mock_kit.receiver import WebhookReceiver
from tests.support.calls_helpers import account, quiet_users
from tests.support.live_server import COMMAND, serving

USERS = quiet_users(account())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("mcp-explain")) as url:
        yield url


async def call(client: Any, tool: str, **arguments: Any) -> Any:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return result.structured_content


def test_the_assistant_asks_why(server: str) -> None:
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    watched, other = USERS[0], USERS[1]
    only = f"/restapi/v1.0/account/~/extension/{watched.id}/presence"
    with WebhookReceiver() as hook:

        async def script(client: Any) -> tuple[Any, Any, Any]:
            made = await call(client, "subscribe", address=hook.url, filters=[only])
            await call(client, "set_presence", extension=str(watched.id), user_status="Busy")
            await asyncio.to_thread(hook.wait_for_count, 1)
            await call(client, "set_presence", extension=str(other.id), user_status="Busy")
            for _ in range(100):  # the deliverer journals the POST once it is answered
                got = await call(client, "explain", extension=str(watched.id))
                if got["changes"][0]["subscriptions"][0]["reason"] != "pending":
                    break
                await asyncio.sleep(0.1)
            missed = await call(client, "explain", extension=str(other.id))
            return made, got, missed

        params = StdioServerParameters(
            command=COMMAND, args=["mcp", "--url", server], env=dict(os.environ)
        )

        async def session() -> Any:
            async with Client(params) as client:
                return await script(client)

        made, got, missed = asyncio.run(session())
    [delivered] = got["changes"][0]["subscriptions"]
    assert delivered["subscriptionId"] == made["id"] and delivered["reason"] == "delivered"
    [unmatched] = missed["changes"][0]["subscriptions"]
    assert unmatched["reason"] == "filterDidNotMatch"
    assert unmatched["nearestFilter"].endswith(f"/extension/{watched.id}/presence")
