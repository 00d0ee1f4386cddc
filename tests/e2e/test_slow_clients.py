"""Slow and idle clients cannot stall `serve`: normal requests are answered while they hold
sockets, and a client that never finishes its headers is disconnected (bounded, loopback only;
the latency figures are the benchmark's: `python -m bench.slow_clients`)."""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack, suppress

import requests

from tests.support.live_server import serving

IDLE, TRICKLE = 300, 60


def gave_up(sock: socket.socket) -> bool:
    """Has the server closed this connection (or answered it with an error and closed)?"""
    sock.settimeout(0.5)
    try:
        sock.recv(1024)  # b"" at the end, or the server's refusal: either way it has given up
    except TimeoutError:
        return False  # still waiting for the rest of the headers
    except OSError:
        return True  # reset by the server
    return True


def test_requests_are_answered_while_slow_clients_hold_sockets(tmp_path) -> None:
    with serving(tmp_path) as url, ExitStack() as stack:
        host, port = "127.0.0.1", int(url.rsplit(":", 1)[1])
        idle = [stack.enter_context(socket.create_connection((host, port))) for _ in range(IDLE)]
        trickling = [
            stack.enter_context(socket.create_connection((host, port))) for _ in range(TRICKLE)
        ]
        header = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Slow: "
        for sock in trickling:
            sock.sendall(header)
        answered = 0
        started = time.monotonic()
        while time.monotonic() - started < 8:
            for sock in trickling:
                with suppress(OSError):  # the server may have closed it already
                    sock.send(b"a")  # one byte at a time, never the end of the headers
            # A normal client, on a new connection each time, gets its answers at once.
            assert requests.get(f"{url}/_mock/health", timeout=2).status_code == 200
            answered += 1
            time.sleep(0.1)
        assert answered >= 40
        # The server gave up on the clients that never finished their headers...
        assert sum(gave_up(sock) for sock in trickling) == TRICKLE
        # ...and still answers after them.
        assert requests.get(f"{url}/_mock/health", timeout=2).status_code == 200
        assert len(idle) == IDLE
