"""`python -m bench.ws_nonreader`: the gateway's memory while a WebSocket client never reads.

Starts `presence-mock serve --workers 1` on free loopback ports, opens one socket to its gateway
with a client (the `websockets` library) that sends `Heartbeat` frames of about --frame bytes,
each of which the gateway echoes, and never reads what comes back. It sends up to --send MiB or
until the gateway cuts it, then closes, and waits --after seconds. The gateway's resident memory
(VmRSS of its process, from /proc) is sampled all along. Prints one Markdown table: RSS at the
start, at its peak, when the client stopped and --after seconds later; what was sent; how the
socket ended. Bounded in time (--timeout); loopback only.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bench.__main__ import _free_port, _proc_kb, _tree, login, running
from tests.support.ws_client import NonReader

MIB = 1 << 20


def _post(url: str, token: str) -> dict[str, str]:
    request = urllib.request.Request(url, data=b"", method="POST")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return dict(json.loads(answer.read()))


def _gateway_pid(root: int, port: int) -> int:
    """The process of the tree that holds a connection on the gateway's port."""
    for pid in _tree(root):
        fds = Path(f"/proc/{pid}/fd")
        try:
            inodes = {
                link.readlink().name[len("socket:[") : -1]
                for link in fds.iterdir()
                if link.readlink().name.startswith("socket:[")
            }
        except OSError:
            continue
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == "01" and fields[9] in inodes:
                    return pid
    raise SystemExit("bench: no process holds the gateway's connection")


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.running = True

    def now(self) -> int:
        return _proc_kb(self.pid, "status", "VmRSS:")

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.now())
            time.sleep(0.05)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ws_nonreader", description=__doc__)
    parser.add_argument("--send", type=float, default=150, help="MiB to send at most")
    parser.add_argument("--frame", type=int, default=15_000, help="bytes of one Heartbeat")
    parser.add_argument("--after", type=float, default=5, help="seconds to wait after")
    parser.add_argument("--timeout", type=float, default=120, help="seconds of sending at most")
    args = parser.parse_args(argv)

    port, gateway = _free_port(), _free_port()
    command = ["presence-mock", "serve", "--workers", "1", "--port", str(port)]
    command += ["--gateway-port", str(gateway)]
    with running(command, port) as server:
        token = login(server.base, 60)
        ws = _post(server.base + "/restapi/oauth/wstoken", token)
        client = NonReader(f"{ws['uri']}?access_token={ws['ws_access_token']}")
        pid = _gateway_pid(server.process.pid, gateway)
        sampler = Sampler(pid)
        start = sampler.now()
        sampler.start()
        pad = "x" * max(0, args.frame - 60)
        sent, number, ended = 0, 0, "the client stopped"
        deadline = time.monotonic() + args.timeout
        try:
            while sent < args.send * MIB and time.monotonic() < deadline:
                number += 1
                text = json.dumps([{"type": "Heartbeat", "messageId": f"h{number}", "pad": pad}])
                client.send(text)
                sent += len(text)
        except OSError:  # reset or broken pipe: the gateway cut it
            client.ended(2)
            ended = f"cut by the gateway (close code {client.close_code()})"
        stopped = sampler.now()
        started_close = time.monotonic()
        client.close()
        time.sleep(max(0.0, args.after - (time.monotonic() - started_close)))
        after = sampler.now()
        sampler.running = False
        sampler.join()
    rows = [
        ("sent", f"{sent / MIB:.1f} MiB in {number} frames of {args.frame} bytes"),
        ("socket", ended),
        ("gateway RSS at start", f"{start / 1024:.0f} MB"),
        ("gateway RSS peak", f"{sampler.peak / 1024:.0f} MB"),
        ("gateway RSS when the client stopped", f"{stopped / 1024:.0f} MB"),
        (f"gateway RSS {args.after:g} s after", f"{after / 1024:.0f} MB"),
    ]
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
