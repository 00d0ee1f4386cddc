"""`serve` starts the gateway process on --gateway-port beside granian's workers, and
the gateway never outlives it (stopped with serve, or on its own when serve is killed)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.support.live_server import COMMAND, free_port, running, started


def gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A child that has exited but is not reaped yet is gone too.
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"):
            return True
        time.sleep(0.1)
    return False


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(") ", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def gateway_of(url: str) -> dict:
    found = requests.get(f"{url}/_mock/gateway", timeout=5).json()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            return {**found, **requests.get(found["health"], timeout=2).json()}
        except requests.ConnectionError:
            time.sleep(0.1)
    pytest.fail("the gateway did not answer")


def test_the_default_gateway_port_is_the_next_one(tmp_path: Path) -> None:
    port = free_port()
    while True:  # a free port whose next one is free too
        try:
            import socket

            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port + 1))
            break
        except OSError:
            port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PRESENCE_MOCK_GATEWAY_PORT"}
    env["PRESENCE_MOCK_GATEWAY_PORT"] = ""  # unset: running() would default it to 0
    command = [COMMAND, "serve", "--port", str(port), "--workers", "1"]
    with running(command, port, tmp_path, env=env) as url:
        gateway = gateway_of(url)
        assert gateway["port"] == port + 1
        assert gateway["websocket"] == f"ws://127.0.0.1:{port + 1}/ws"
    log = (tmp_path / f"serve-{port}.log").read_text()
    assert f"ws://127.0.0.1:{port + 1}/ws" in log


def test_a_taken_gateway_port_is_one_line_and_exit_1(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        done = subprocess.run(
            [COMMAND, "serve", "--port", str(free_port()), "--gateway-port", str(busy)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    refusal = (
        f"presence-mock: cannot listen on 127.0.0.1:{busy} (--gateway-port): Address already in use"
    )
    assert refusal in done.stderr.splitlines()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_the_gateway_stops_with_serve(tmp_path: Path, how: signal.Signals) -> None:
    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--workers", "2"]
    with started(command, port, tmp_path) as (url, process):
        pid = gateway_of(url)["pid"]
        assert pid in children(process.pid)
        process.send_signal(how)
        process.wait(timeout=20)
        assert gone(pid, 10), "the gateway outlived serve"


def test_a_killed_serve_leaves_no_gateway_behind(tmp_path: Path) -> None:
    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--workers", "1"]
    workers: list[int] = []
    try:
        with started(command, port, tmp_path) as (url, process):
            pid = gateway_of(url)["pid"]
            workers = [p for p in children(process.pid) if p != pid]
            process.kill()  # no chance to stop anything
            process.wait(timeout=10)
            assert gone(pid, 10), "the gateway was orphaned"
    finally:
        for worker in workers:  # granian's own workers are not the gateway's business
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
