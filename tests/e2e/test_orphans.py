"""`serve`'s workers and gateway end with their master: killed outright (SIGKILL, nothing of it
runs to stop them), the master leaves no process answering REST without a gateway."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.live_server import COMMAND, free_port, started


def children(pid: int) -> set[int]:
    """Every descendant of `pid`, from /proc (Linux) or psutil."""
    proc = Path("/proc")
    if (proc / str(pid) / "task").is_dir():
        found: set[int] = set()
        for tasks in (proc / str(pid) / "task").glob("*/children"):
            for child in tasks.read_text().split():
                found |= {int(child), *children(int(child))}
        return found
    psutil = pytest.importorskip("psutil")  # not Linux: psutil must be there
    return {child.pid for child in psutil.Process(pid).children(recursive=True)}


def running(pid: int) -> bool:
    """Alive and not a zombie (a dead child nobody has reaped yet is gone for our purpose)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    if status.exists():
        try:
            return status.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except OSError:
            return False
    return True


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("workers", ["1", "2"])
def test_workers_and_gateway_end_with_a_killed_master(tmp_path: Path, workers: str) -> None:
    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--workers", workers]
    with started(command, port, tmp_path) as (_, master):
        forked = children(master.pid)
        assert len(forked) >= int(workers) + 1  # the workers and the gateway
        master.send_signal(signal.SIGKILL)
        master.wait(5)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(running(pid) for pid in forked):
            time.sleep(0.1)
        left = sorted(pid for pid in forked if running(pid))
        for pid in left:  # leave nothing behind for the next test
            os.kill(pid, signal.SIGKILL)
        assert left == [], (tmp_path / f"serve-{port}.log").read_text()
        assert not answers(port)


ORPHAN = """
import os, sys, time
child = os.fork()
if child == 0:
    exit_with_parent(os.getppid(), "test")
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
time.sleep(60)
"""


def test_the_watchdog_ends_a_forked_child_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert running(child)
        parent.kill()
        parent.wait(5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and running(child):
            time.sleep(0.05)
        assert not running(child)
    finally:
        if parent.poll() is None:
            parent.kill()
