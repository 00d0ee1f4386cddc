"""`python -m bench.slow_clients`: normal requests while slow and idle clients hold the server.

Starts `presence-mock serve` (its defaults) on a free loopback port, logs in, and measures
sequential single-extension GETs (a new connection each, 5 s timeout):
  quiet  - nobody else connected;
  loaded - while a separate process holds IDLE sockets (connected, nothing sent) and TRICKLE
           sockets sending a never-ending request header one byte a second.
Prints one Markdown table: p50, p99, max and timeouts per phase, and how many of the slow
sockets the server closed. Bounded: the holder exits after --hold seconds; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.__main__ import API, _free_port, login, running

HEADER = b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100_000


async def _hold(port: int, idle: int, trickle: int, seconds: float, status: Path) -> None:
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    for number in range(idle + trickle):
        with contextlib.suppress(OSError, TimeoutError):  # counted below as not opened
            opened.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5))
        if number % 100 == 99:
            await asyncio.sleep(0.05)  # not one burst into the accept queue
    trickling = opened[idle:]
    status.write_text(json.dumps({"opened": len(opened)}))
    closed: set[int] = set()
    started, sent = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        for number, (_, writer) in enumerate(trickling):
            if number in closed:
                continue
            try:
                writer.write(HEADER[sent : sent + 1])
                await writer.drain()
            except OSError:
                closed.add(number)
        sent += 1
        await asyncio.sleep(1.0)
    closed |= {n for n, (reader, _) in enumerate(trickling) if reader.at_eof()}
    idle_closed = sum(1 for reader, _ in opened[:idle] if reader.at_eof())
    for _, writer in opened:
        writer.close()
    status.write_text(
        json.dumps(
            {"opened": len(opened), "trickle_closed": len(closed), "idle_closed": idle_closed}
        )
    )


def sequential(port: int, token: str, count: int) -> dict[str, float]:
    """`count` GETs one after another, each on a new connection."""
    latencies: list[float] = []
    timeouts = errors = 0
    for _ in range(count):
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request(
                "GET", f"{API}/extension/~/presence", headers={"Authorization": f"Bearer {token}"}
            )
            answer = connection.getresponse()
            answer.read()
            errors += answer.status != 200
            latencies.append((time.perf_counter() - started) * 1000)
        except TimeoutError:
            timeouts += 1
        except OSError:
            errors += 1
        finally:
            connection.close()
    latencies.sort()
    at = lambda share: latencies[min(len(latencies) - 1, int(share * len(latencies)))]  # noqa: E731
    return {
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": at(0.99) if latencies else float("nan"),
        "max": latencies[-1] if latencies else float("nan"),
        "timeouts": timeouts,
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slow_clients", description=__doc__)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--trickle", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300, help="GETs per phase (300)")
    parser.add_argument("--hold", type=float, default=40, help="seconds the holder runs (40)")
    parser.add_argument("--hold-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.hold_child:
        port, idle, trickle, seconds, status = args.hold_child
        asyncio.run(_hold(int(port), int(idle), int(trickle), float(seconds), Path(status)))
        return 0
    port = _free_port()
    with running(["presence-mock", "serve", "--port", str(port)], port) as server:
        token = login(server.base, 60)
        sequential(port, token, 50)  # warm-up
        quiet = sequential(port, token, args.requests)
        status = Path(tempfile.mkdtemp()) / "held.json"
        hold = [str(port), str(args.idle), str(args.trickle), str(args.hold), str(status)]
        holder = subprocess.Popen(
            [sys.executable, "-m", "bench.slow_clients", "--hold-child", *hold]
        )
        try:
            deadline = time.monotonic() + 60
            while not status.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(3)  # some bytes trickled in
            held = json.loads(status.read_text())
            loaded = sequential(port, token, args.requests)
            holder.wait(args.hold + 60)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
        ended = json.loads(status.read_text())
    print("| phase | p50 ms | p99 ms | max ms | timeouts | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, found in (("quiet", quiet), (f"{held['opened']} slow sockets held", loaded)):
        print(
            f"| {name} | {found['p50']:.1f} | {found['p99']:.1f} | {found['max']:.1f} "
            f"| {found['timeouts']} | {found['errors']} |"
        )
    print(
        f"\nslow sockets: {args.idle} idle, {args.trickle} trickling; the server closed "
        f"{ended.get('trickle_closed', '?')} trickling and {ended.get('idle_closed', '?')} idle "
        f"ones within {args.hold:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
