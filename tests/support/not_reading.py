"""A WebSocket subscriber that stops reading, against a live `serve`, until the gateway cuts
it on a notification (the explanation's `notReading`, docs/explain.md).

The gateway's outbox for one socket holds 8 MiB (docs/security.md, "Gateway bounds"). The
client fills nearly all of it with Heartbeats the gateway echoes and it never reads, then
subscribes; presence changes follow until one notification overflows the outbox. The echoes
stop short of the bound by a margin, so the frame that overflows is a notification, never an
echo: each echo is measured first, and what the kernel's buffers hold of the connection is
read from /proc/net/tcp (Linux), as the benchmarks read /proc. Serve with a long
`--gateway-ping`: a client that does not read does not answer pings either.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import requests

from mockserver.gateway.bounds import OUTBOX_BYTES
from tests.support.ws_client import SUBSCRIBE_PATH, Client, NonReader

MARGIN = 32 << 10  # room left in the outbox after the echoes: a few notifications' worth
PAD = 12_000  # characters of one Heartbeat (under the gateway's cap on what it echoes)
MOST_CHANGES = 3_000  # the outbox overflows long before this many notifications
CHUNK = 40  # Heartbeats sent between two looks at the kernel's buffers
KERNEL_FULL = 1 << 20  # this much more sent than the kernel holds: it takes no more


def in_kernel(port: int) -> int:
    """What the kernel holds of a loopback connection whose client end has `port`: the
    gateway's unsent or unacknowledged bytes plus the client's unread ones (/proc/net/tcp, as
    it stands once two looks agree)."""
    last, deadline = -1, time.monotonic() + 30
    while True:
        held = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote = (int(f.rsplit(":", 1)[1], 16) for f in fields[1:3])
                tx, rx = (int(q, 16) for q in fields[4].split(":"))
                if remote == port:
                    held += tx  # the gateway's end
                elif local == port:
                    held += rx  # the client's end
        if held == last or time.monotonic() > deadline:
            return held
        last = held
        time.sleep(0.2)


def heartbeat(number: int) -> str:
    return json.dumps([{"type": "Heartbeat", "messageId": f"h-{number:06d}", "pad": "x" * PAD}])


def echo_length(client: Client) -> int:
    """How many characters the gateway's echo of one of these Heartbeats is."""
    socket = client.connect()
    socket.receive()
    socket.connection.send(heartbeat(0))
    echoed = socket.connection.recv(timeout=10)
    socket.close()
    return len(echoed)


def not_reading_row(client: Client, path: str, extension_id: int) -> dict[str, Any]:
    """Subscribe `path` (one extension's presence) from a socket that never reads, change the
    extension's presence until a notification overflows its outbox, and return that
    subscription's `notReading` row of GET /_mock/events/explain."""
    echo = echo_length(client)
    token = client.ws_token()
    reader = NonReader(f"{token['uri']}?access_token={token['ws_access_token']}", 4096)
    try:
        # First until the kernel takes no more (its buffers grow to a few MiB on loopback):
        # what was sent less what the kernel holds waits in the outbox (or just before it).
        port = reader.socket.getsockname()[1]
        sent = 0
        while sent * echo - in_kernel(port) < KERNEL_FULL:
            for _ in range(CHUNK):
                sent += 1
                reader.send(heartbeat(sent))
        waiting = sent * echo - in_kernel(port)
        for _ in range((OUTBOX_BYTES - MARGIN - waiting) // echo):
            sent += 1
            reader.send(heartbeat(sent))
        # Sent after the Heartbeats: once the subscription exists, every echo is queued.
        meta = {"type": "ClientRequest", "messageId": "s-1", "method": "POST"}
        body = {"eventFilters": [path], "deliveryMode": {"transportType": "WebSocket"}}
        reader.send(json.dumps([{**meta, "path": SUBSCRIBE_PATH}, body]))
        status = client.session.get(client.url + path, timeout=10).json()["userStatus"]
        for _ in range(MOST_CHANGES):
            status = "Busy" if status != "Busy" else "Available"
            client.put_presence({"userStatus": status}, path)
            row = _settled(client, extension_id)
            if row is not None and row["reason"] == "notReading":
                return row
        raise AssertionError(f"no notReading after {MOST_CHANGES} changes")
    finally:
        reader.close()


def _settled(client: Client, extension_id: int) -> dict[str, Any] | None:
    """The WebSocket row of the extension's newest change once the gateway has said what
    became of it (one change at a time: the one that overflows is the newest when read);
    None while no WebSocket subscription was weighed (the subscribe is still on its way)."""
    deadline = time.monotonic() + 10
    while True:
        answer = requests.get(
            f"{client.url}/_mock/events/explain",
            params={"extensionId": extension_id, "limit": 1},
            timeout=10,
        ).json()
        rows = [
            row
            for change in answer["changes"]
            for row in change["subscriptions"]
            if row["transport"] == "WebSocket" and row["reason"] != "filterDidNotMatch"
        ]
        if not rows:
            return None
        if rows[0]["reason"] != "pending":
            return dict(rows[0])
        assert time.monotonic() < deadline, answer
        time.sleep(0.01)
