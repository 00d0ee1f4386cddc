"""The benchmark's lean WebSocket client (bench/ws_lean.py) against an aiohttp server: the
handshake, masked frames the server accepts, frames of every length form split anyhow across
reads, a ping answered, a close."""

from __future__ import annotations

import asyncio

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from bench.ws_lean import LeanSocket


def test_the_lean_socket_sends_receives_and_answers_pings() -> None:
    sizes = [0, 5, 125, 126, 65535, 65536, 100_000]
    pongs: list[bytes] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=False)
        await socket.prepare(request)
        await socket.send_str("hello")
        message = await socket.receive()
        assert message.type == WSMsgType.TEXT and message.data == "subscribe é"
        await socket.ping(b"p-1")
        pong = await socket.receive()
        pongs.append(pong.data if pong.type == WSMsgType.PONG else b"")
        for size in sizes:
            await socket.send_str("x" * size)
        await socket.receive()  # the client's close
        return socket

    async def run() -> list[tuple[float, bytes]]:
        app = web.Application()
        app.router.add_get("/ws", handler)
        async with TestServer(app, host="127.0.0.1") as server:
            socket = await LeanSocket.connect(f"ws://127.0.0.1:{server.port}/ws")
            assert await socket.receive() == b"hello"
            got: list[tuple[float, bytes]] = []
            socket.arrived = lambda at, payload: got.append((at, payload))
            socket.send_text("subscribe é")  # 12 bytes: a whole number of mask lengths
            for _ in range(500):
                if len(got) == len(sizes):
                    break
                await asyncio.sleep(0.01)
            await socket.close()
            return got

    got = asyncio.run(asyncio.wait_for(run(), 30))  # a failure fails, never hangs
    assert [len(payload) for _, payload in got] == sizes
    assert all(payload == b"x" * len(payload) for _, payload in got)
    assert [at for at, _ in got] == sorted(at for at, _ in got)
    assert pongs == [b"p-1"]
