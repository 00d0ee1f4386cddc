"""`python -m bench.webhook_handshakes`: other requests while WebHook handshakes hang.

Starts `presence-mock serve` (its defaults, or --workers N) on a free loopback port, and a
"blackhole" on loopback: a listening socket whose connections are accepted and never answered.
Then it sends --creates WebHook subscription creates to the blackhole at once and, while they
are pending, sequential single-extension GETs (a new connection each, 10 s timeout). Prints the
GETs' p50, p99 and max in a quiet phase and while the creates hang, and how the creates ended.
Loopback only; bounded (each create gives up after the handshake's timeout).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from bench.__main__ import _free_port, login, running

MINE = "/restapi/v1.0/account/~/extension/~/presence"


class Blackhole:
    """Accepts connections on loopback and never answers (holds them until stopped)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def _request(url: str, token: str, body: bytes | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    request = urllib.request.Request(url, data=body, method="POST" if body else "GET")
    request.add_header("Authorization", f"Bearer {token}")
    if body:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    except OSError:
        status = 0
    return status, (time.perf_counter() - started) * 1000


def _gets(base: str, token: str, count: int) -> list[float]:
    return [_request(base + MINE, token)[1] for _ in range(count)]


def _row(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return (
        f"| {name} | {len(ordered)} | {statistics.median(ordered):.1f} | {p99:.1f} "
        f"| {ordered[-1]:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=4, help="blackholed creates at once")
    parser.add_argument("--gets", type=int, default=20, help="GETs per phase")
    parser.add_argument("--workers", type=int, default=None, help="serve's --workers")
    args = parser.parse_args()
    port = _free_port()
    command = ["presence-mock", "serve", "--port", str(port), "--gateway-port", "0"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    hole = Blackhole()
    with running(command, port) as server:
        token = login(server.base, 60)
        quiet = _gets(server.base, token, args.gets)
        body = json.dumps(
            {
                "eventFilters": [MINE],
                "deliveryMode": {
                    "transportType": "WebHook",
                    "address": f"http://127.0.0.1:{hole.port}/hook",
                },
            }
        ).encode()
        with ThreadPoolExecutor(args.creates) as pool:
            pending = [
                pool.submit(_request, server.base + "/restapi/v1.0/subscription", token, body)
                for _ in range(args.creates)
            ]
            time.sleep(0.2)  # the creates reach the server first
            loaded = _gets(server.base, token, args.gets)
            creates = [f.result() for f in pending]
    hole.close()
    print(f"serve {' '.join(command[2:])}; {args.creates} creates to a blackhole on loopback")
    print()
    print("| phase | GETs | p50 ms | p99 ms | max ms |")
    print("| --- | --- | --- | --- | --- |")
    print(_row("quiet", quiet))
    print(_row("while the creates hang", loaded))
    statuses = sorted(s for s, _ in creates)
    slowest = max(t for _, t in creates)
    print()
    print(f"creates: statuses {statuses}, slowest {slowest:.0f} ms")


if __name__ == "__main__":
    main()
