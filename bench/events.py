"""`python -m bench.events`: presence events, measured on the default `presence-mock serve`
(docs/benchmark.md).

* PUT-to-delivery latency, p50/p99 over every (subscriber, event) pair, with 1, 100 and 1,000
  WebSocket subscribers (each its own socket, subscribed to one user's presence; 30 per user and
  app is the platform's limit, so the sockets belong to as many users as that takes) and with
  100 WebHook subscriptions (POSTs to a receiver on loopback in this process). A PUT is sent
  once every subscriber has had the previous one; the clock starts just before the PUT.
* The sockets the server holds while REST throughput stays within 10%: `wrk` on a single GET
  without sockets and with N idle subscribed sockets held by another process, interleaved
  rounds, for each N asked for. The server's CPU per request is shown too: it moves less than
  req/s when other work shares the machine.

The client side (this process: sockets, receiver, PUTs) shares the machine's cores with the
server, as a test suite would. Prints a Markdown table (docs/benchmark.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bench.__main__ import Server, _free_port, running
from bench.ws_lean import LeanSocket

ME = "/restapi/v1.0/account/~/extension/{}/presence"
PER_USER = 30  # subscriptions per user and app (SUB-505)
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
NOTIFICATION = b'[{"type":"ServerNotification"'  # how the gateway's notification frames begin


@dataclass
class Users:
    base: str
    found: list[dict[str, Any]]
    app: tuple[str, str]
    tokens: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, base: str, extensions: int) -> Users:
        printed = subprocess.run(
            ["presence-mock", "credentials", "--json", "--extensions", str(extensions)],
            check=True,
            capture_output=True,
            text=True,
        )
        creds = json.loads(printed.stdout)
        users = [u for u in creds["users"] if u["accountId"] == creds["users"][0]["accountId"]]
        return cls(base, users, (creds["clientId"], creds["clientSecret"]))

    async def token(self, http: aiohttp.ClientSession, index: int) -> str:
        if index not in self.tokens:
            user = self.found[index]
            async with http.post(
                f"{self.base}/restapi/oauth/token",
                data={"grant_type": JWT_GRANT, "assertion": user["jwt"]},
                headers={
                    "Authorization": "Basic " + b64encode(":".join(self.app).encode()).decode()
                },
            ) as answer:
                answer.raise_for_status()
                self.tokens[index] = (await answer.json())["access_token"]
        return self.tokens[index]


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


# -- WebSocket subscribers -----------------------------------------------------------------------
class Subscribers:
    """N sockets, each subscribed to the target's presence; arrival times per event.

    The sockets are bench/ws_lean.py's: on receipt a notification is only timed and kept; it is
    decoded (for its body's sequence) when `arrivals` is read, out of the path of the frames
    still coming (docs/benchmark.md)."""

    def __init__(self) -> None:
        self.sockets: list[LeanSocket] = []
        self._arrivals: dict[int, list[float]] = {}  # the body's sequence -> arrival times
        self.pending: list[tuple[float, bytes]] = []  # received, not decoded yet
        self.changed = asyncio.Event()

    @property
    def arrivals(self) -> dict[int, list[float]]:
        pending, self.pending = self.pending, []
        for arrived, payload in pending:
            sequence = json.loads(payload)[1]["body"]["sequence"]
            self._arrivals.setdefault(sequence, []).append(arrived)
        return self._arrivals

    async def open(
        self, http: aiohttp.ClientSession, users: Users, target: int, count: int
    ) -> None:
        filters = [ME.format(target)]
        for start in range(0, count, 50):  # 50 at a time: a burst, not a storm
            batch = range(start, min(count, start + 50))
            await asyncio.gather(*(self._one(http, users, i, filters) for i in batch))

    async def _one(
        self, http: aiohttp.ClientSession, users: Users, index: int, filters: list[str]
    ) -> None:
        token = await users.token(http, index // PER_USER)
        async with http.post(
            f"{users.base}/restapi/oauth/wstoken", headers=_headers(token)
        ) as answer:
            answer.raise_for_status()
            ws = await answer.json()
        socket = await LeanSocket.connect(f"{ws['uri']}?access_token={ws['ws_access_token']}")
        await socket.receive()  # ConnectionDetails
        request = [
            {
                "type": "ClientRequest",
                "messageId": f"s-{index}",
                "method": "POST",
                "path": "/restapi/v1.0/subscription/",
            },
            {"eventFilters": filters, "deliveryMode": {"transportType": "WebSocket"}},
        ]
        socket.send_text(json.dumps(request))
        reply = json.loads(await socket.receive())
        if reply[0]["status"] != 200:
            raise SystemExit(f"bench: subscribe answered {reply}")
        socket.arrived = self._arrived
        self.sockets.append(socket)

    def _arrived(self, arrived: float, payload: bytes) -> None:
        if payload.startswith(NOTIFICATION):
            self.pending.append((arrived, payload))
            self.changed.set()

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.sockets), return_exceptions=True)


# -- WebHook subscriptions -----------------------------------------------------------------------
class Receiver:
    """A WebHook receiver on loopback: answers the handshake, times each delivery."""

    def __init__(self) -> None:
        self.arrivals: dict[int, list[float]] = {}
        self.changed = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.seen: set[tuple[str, str]] = set()  # (receiver path, uuid) of every notification
        self.again = 0  # notifications received a second time: exactly once says none

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook/{n}", self.hook)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{self.port}/hook"

    async def hook(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        token = request.headers.get("Validation-Token")
        body = await request.read()
        if body:
            envelope = json.loads(body)
            key = (request.match_info["n"], str(envelope.get("uuid")))
            if key in self.seen:
                self.again += 1
                return web.Response()
            self.seen.add(key)
            sequence = envelope["body"]["sequence"]
            self.arrivals.setdefault(sequence, []).append(arrived)
            self.changed.set()
        return web.Response(headers={"Validation-Token": token} if token else None)

    async def subscribe(
        self, http: aiohttp.ClientSession, users: Users, target: int, count: int, address: str
    ) -> None:
        async def one(index: int) -> None:
            token = await users.token(http, index // PER_USER)
            body = {
                "eventFilters": [ME.format(target)],
                "deliveryMode": {"transportType": "WebHook", "address": f"{address}/{index}"},
            }
            async with http.post(
                f"{users.base}/restapi/v1.0/subscription", json=body, headers=_headers(token)
            ) as answer:
                if answer.status != 200:
                    raise SystemExit(f"bench: WebHook create answered {await answer.text()}")

        for start in range(0, count, 10):
            await asyncio.gather(*(one(i) for i in range(start, min(count, start + 10))))

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


# -- the PUT loop --------------------------------------------------------------------------------
async def latencies(
    http: aiohttp.ClientSession,
    users: Users,
    target: int,
    sink: Subscribers | Receiver,
    expected: int,
    puts: int,
) -> list[float]:
    """PUT `puts` changes of the target's presence; each one's delivery latencies (ms)."""
    admin = await users.token(http, 0)
    url = f"{users.base}{ME.format(target)}"
    found: list[float] = []
    async with http.get(url, headers=_headers(admin)) as answer:
        status = (await answer.json())["userStatus"]
    for _ in range(puts):
        status = "Busy" if status == "Available" else "Available"
        sink.changed.clear()
        before = max(sink.arrivals, default=0)  # the event's sequence will be above it
        sent = time.perf_counter()
        async with http.put(url, json={"userStatus": status}, headers=_headers(admin)) as answer:
            answer.raise_for_status()
        deadline = sent + 30
        while True:
            arrived = _arrivals_after(sink, before)
            if len(arrived) >= expected or time.perf_counter() > deadline:
                break
            try:
                await asyncio.wait_for(
                    sink.changed.wait(), max(0.01, deadline - time.perf_counter())
                )
            except TimeoutError:
                break
            sink.changed.clear()
        if len(arrived) < expected:
            raise SystemExit(f"bench: {len(arrived)} of {expected} deliveries of a PUT in 30 s")
        found.extend((t - sent) * 1000 for t in arrived)
    return found


def _arrivals_after(sink: Subscribers | Receiver, before: int) -> list[float]:
    """The arrivals of the first event after sequence `before`."""
    newer = [sequence for sequence in sink.arrivals if sequence > before]
    return sink.arrivals[min(newer)] if newer else []


# -- sockets held while REST is measured ---------------------------------------------------------
def _hold(base: str, extensions: int, target: int, count: int, ready: Any, stop: Any) -> None:
    async def main() -> None:
        # No pool limit: every socket keeps its connection (aiohttp's default is 100).
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            users = Users.of(base, extensions)
            await _reset(http, base)
            subscribers = Subscribers()
            await subscribers.open(http, users, target, count)
            ready.set()
            await asyncio.get_running_loop().run_in_executor(None, stop.wait)
            await subscribers.close()

    asyncio.run(main())


def rest_with_sockets(
    server: Server, token: str, args: argparse.Namespace, target: int, count: int
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Interleaved wrk rounds on a single GET without and with `count` held sockets: req/s and
    the server's CPU per request of each."""
    from bench.__main__ import wrk

    url = f"{server.base}{ME.format('~')}"
    plain_rps, held_rps, plain_cpu, held_cpu = [], [], [], []
    context = multiprocessing.get_context("spawn")
    for _ in range(args.rounds):
        load = server.load(url, token, args)
        plain_rps.append(load.rps)
        plain_cpu.append(load.cpu_us)
        ready, stop = context.Event(), context.Event()
        holder = context.Process(
            target=_hold, args=(server.base, args.extensions, target, count, ready, stop)
        )
        holder.start()
        if not ready.wait(600):
            holder.kill()
            raise SystemExit("bench: the sockets did not open in 600 s")
        time.sleep(1)
        load = server.load(url, token, args)
        held_rps.append(load.rps)
        held_cpu.append(load.cpu_us)
        stop.set()
        holder.join(60)
        time.sleep(2)  # the gateway notices the closes
    del wrk
    return plain_rps, held_rps, plain_cpu, held_cpu


# -- main ----------------------------------------------------------------------------------------
async def measure_latency(
    base: str, args: argparse.Namespace, target: int
) -> list[tuple[str, list[float]]]:
    rows: list[tuple[str, list[float]]] = []  # each printed as soon as it is measured
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        users = Users.of(base, args.extensions)
        for count in args.subscribers:
            await _reset(http, base)  # no subscriptions left from before (30 per user)
            subscribers = Subscribers()
            await subscribers.open(http, users, target, count)
            puts = args.puts if count <= 100 else max(10, args.puts // 5)
            await latencies(http, users, target, subscribers, count, 2)  # warm-up
            found = await latencies(http, users, target, subscribers, count, puts)
            rows.append((f"{count:,} WebSocket subscriber(s), {puts} PUTs", found))
            _print_row(*rows[-1])
            await subscribers.close()
            await asyncio.sleep(2)
        if args.webhooks:
            await _reset(http, base)
            receiver = Receiver()
            address = await receiver.start()
            await receiver.subscribe(http, users, target, args.webhooks, address)
            await latencies(http, users, target, receiver, args.webhooks, 2)
            found = await latencies(http, users, target, receiver, args.webhooks, args.puts)
            rows.append((f"{args.webhooks} WebHook subscriptions, {args.puts} PUTs", found))
            _print_row(*rows[-1])
            await asyncio.sleep(args.linger)  # a late second delivery would come meanwhile
            print(
                f"\nWebHook notifications received twice (same subscription and uuid, "
                f"{args.linger:g} s after the last PUT): {receiver.again}",
                flush=True,
            )
            await receiver.stop()
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__)
    parser.add_argument("--subscribers", type=int, nargs="*", default=[1, 100, 1000])
    parser.add_argument(
        "--webhooks",
        type=int,
        nargs="?",
        const=100,
        default=100,
        help="WebHook subscriptions (100; the flag alone: 100)",
    )
    parser.add_argument("--puts", type=int, default=50, help="PUTs per latency row (50)")
    parser.add_argument(
        "--linger",
        type=float,
        default=0.0,
        help="seconds the WebHook receiver listens on after the last PUT, for late repeats (0)",
    )
    parser.add_argument("--held", type=int, nargs="*", default=[1000], help="sockets held")
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds per figure (3)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--extensions", type=int, default=300, help="of the served account")
    args = parser.parse_args(argv)
    port = _free_port()
    command = [
        "presence-mock",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--gateway-port",
        "0",
        "--extensions",
        str(args.extensions),
        "--log-level",
        "warning",
    ]
    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; cores: "
        f"{os.cpu_count()}; python {sys.version.split()[0]}\n",
        flush=True,
    )
    with running(command, port) as server:
        users = Users.of(server.base, args.extensions)
        target = int(users.found[0]["extensionId"])  # the administrator: every user sees them
        print("| delivery | deliveries | p50 ms | p99 ms | max ms |")
        print("|---|---:|---:|---:|---:|", flush=True)
        asyncio.run(measure_latency(server.base, args, target))  # prints each row
        token = asyncio.run(_token(users))
        print(
            "\n| sockets held | GET req/s without | with | ratio (median of rounds) | "
            "server CPU µs/req without | with |"
        )
        print("|---:|---:|---:|---:|---:|---:|", flush=True)
        for count in args.held:
            plain, held, plain_cpu, held_cpu = rest_with_sockets(server, token, args, target, count)
            ratios = sorted(h / p for h, p in zip(held, plain, strict=True))
            print(
                f"| {count:,} | {statistics.median(plain):,.0f} | {statistics.median(held):,.0f} "
                f"| {statistics.median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f}) | "
                f"{statistics.median(plain_cpu):,.0f} | {statistics.median(held_cpu):,.0f} |",
                flush=True,
            )
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


def _print_row(name: str, found: list[float]) -> None:
    print(
        f"| {name} | {len(found):,} | {statistics.median(found):.1f} | "
        f"{percentile(found, 0.99):.1f} | {max(found):.1f} |",
        flush=True,
    )


async def _reset(http: aiohttp.ClientSession, base: str) -> None:
    async with http.post(f"{base}/_mock/reset") as answer:
        answer.raise_for_status()
    await asyncio.sleep(1.5)  # the gateway's sweep drops the sockets' subscriptions


async def _token(users: Users) -> str:
    async with aiohttp.ClientSession() as http:
        return await users.token(http, 0)


if __name__ == "__main__":
    sys.exit(main())
