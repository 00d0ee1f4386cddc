"""A real `presence-mock serve` process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

COMMAND = str(Path(sys.executable).parent / "presence-mock")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(log_dir: Path, *options: str) -> Iterator[str]:
    """Start `serve` with `options` (responses schema-checked), wait for health, yield its URL.

    Its output goes to `log_dir/serve-<port>.log`; the process is stopped on exit."""
    port = free_port()
    with running([COMMAND, "serve", "--port", str(port), *options], port, log_dir) as url:
        yield url


@contextmanager
def two_replicas(log_dir: Path, redis_url: str, db: int) -> Iterator[tuple[str, str]]:
    """Two `serve`s (two workers and one) sharing Redis database `db`, emptied first."""
    import redis

    store = f"{redis_url}/{db}"
    redis.Redis.from_url(store).flushdb()
    with (
        serving(log_dir, "--workers", "2", "--store", store) as first,
        serving(log_dir, "--workers", "1", "--store", store) as second,
    ):
        yield first, second


@contextmanager
def running(
    command: list[str], port: int, log_dir: Path, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run a server `command` listening on `port`, wait for health, yield its URL."""
    with started(command, port, log_dir, env) as (url, _):
        yield url


@contextmanager
def started(
    command: list[str], port: int, log_dir: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As `running`, yielding the process too (to signal it); stopped on exit if still there."""
    log = log_dir / f"serve-{port}.log"
    # The gateway on a free port: REST port + 1 may be another test's.
    env = {
        "PRESENCE_MOCK_GATEWAY_PORT": "0",
        **os.environ,
        "PRESENCE_MOCK_VALIDATE_RESPONSES": "1",
        **(env or {}),
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                if requests.get(f"{url}/_mock/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail(f"presence-mock serve did not answer: {log.read_text()}")
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=15)
