"""A real `presence-mock serve` for a pytest session: the `presence_mock_server` fixture.

For what the in-process mode cannot reach: a client that is not Python (a Node or Java SDK, a
browser), a WebSocket subscription, several processes. The server runs as a subprocess on free
loopback ports (`--port 0 --gateway-port 0`), in a process group of its own; the fixture waits
for its `--ready-file`, reads the URLs and the PID there and the credentials from its
`--credentials-file`, and at the end stops the whole group: SIGTERM (serve stops its workers and
the gateway), then SIGKILL for anything still there. Extra `serve` options come from the ini
option `presence_mock_server_args` (or `--presence-mock-server-args`); PRESENCE_MOCK_* variables
of the test run reach it as they reach `serve`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

START_TIMEOUT = 60.0  # seconds for serve to answer; a first start builds the account
STOP_TIMEOUT = 15.0  # seconds for serve to stop after SIGTERM, before the group is killed
POLL_SECONDS = 0.05
LOG_TAIL = 20  # lines of serve's output shown when it does not start


class ServerDidNotStart(RuntimeError):
    """serve stopped, or did not answer in time; the message ends with its last lines."""


@dataclass
class ServedPresenceMock:
    """A running `presence-mock serve`: where it is, how to log in, how to reset it."""

    url: str  # the REST base URL: what an SDK is given as its server URL
    gateway_url: str  # the gateway (WebSocket and the event stream)
    websocket_url: str
    board_url: str | None
    pid: int
    credentials: dict[str, Any]  # clientId, clientSecret, jwt (and users), as credentials --json
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    controls_token: str | None = field(default=None, repr=False)

    def reset(self) -> None:
        """Presence, calls, subscriptions and the journals back to the seeded state."""
        headers = {"Authorization": f"Bearer {self.controls_token}"} if self.controls_token else {}
        request = urllib.request.Request(
            f"{self.url}/_mock/reset", data=b"", method="POST", headers=headers
        )
        # No proxy: the server is on loopback, whatever HTTP_PROXY says.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as answer:
            answer.read()

    def stop(self) -> None:
        stop_group(self.process)


def serve_command(extra: list[str], ready: Path, credentials: Path) -> list[str]:
    """The command line: this Python's `presence-mock serve` on free loopback ports."""
    return [
        sys.executable,
        "-m",
        "mockserver.cli.main",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--gateway-port",
        "0",
        "--ready-file",
        str(ready),
        "--credentials-file",
        str(credentials),
        *extra,
    ]


def start(
    workdir: Path, args: str | list[str] = "", timeout: float = START_TIMEOUT
) -> ServedPresenceMock:
    """Start serve with the extra options `args` (a string is split as a shell would) and wait
    until it answers; ServerDidNotStart, with nothing left running, when it does not."""
    extra = shlex.split(args) if isinstance(args, str) else list(args)
    workdir.mkdir(parents=True, exist_ok=True)
    ready, credentials, log_path = (
        workdir / "ready.json",
        workdir / "credentials.json",
        workdir / "serve.log",
    )
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            serve_command(extra, ready, credentials),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped as one
        )
    try:
        found = _wait_ready(process, ready, log_path, timeout)
        return ServedPresenceMock(
            url=found["url"],
            gateway_url=found["gatewayUrl"],
            websocket_url=found["websocketUrl"],
            board_url=found.get("boardUrl"),
            pid=process.pid,
            credentials=json.loads(credentials.read_text("utf-8")),
            log_path=log_path,
            process=process,
            controls_token=_controls_token(extra),
        )
    except BaseException:
        stop_group(process)
        raise


def _wait_ready(
    process: subprocess.Popen[bytes], ready: Path, log_path: Path, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDidNotStart(
                f"presence-mock serve stopped (status {process.returncode}) before it answered:\n"
                + _tail(log_path)
            )
        with contextlib.suppress(FileNotFoundError, ValueError):
            found: dict[str, Any] = json.loads(ready.read_text("utf-8"))
            if found.get("pid") == process.pid:
                return found
        time.sleep(POLL_SECONDS)
    raise ServerDidNotStart(
        f"presence-mock serve did not answer within {timeout:g} s:\n" + _tail(log_path)
    )


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop serve and everything it started: SIGTERM to the master (it stops its children),
    then SIGKILL to the whole group for whatever is still there."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
    # The group outlives its leader when a child hangs on: end it outright.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT)


def _controls_token(extra: list[str]) -> str | None:
    """The bearer secret `reset()` needs under `--controls token`: the flag's, its file's first
    line, or the variable's (as serve reads them: the flag wins)."""
    for index, word in enumerate(extra):
        for flag in ("--controls-token", "--controls-token-file"):
            if word == flag and index + 1 < len(extra):
                value = extra[index + 1]
            elif word.startswith(flag + "="):
                value = word.split("=", 1)[1]
            else:
                continue
            if flag.endswith("-file"):
                return Path(value).read_text("utf-8").splitlines()[0].strip()
            return value
    return os.environ.get("PRESENCE_MOCK_CONTROLS_TOKEN")


def _tail(log_path: Path) -> str:
    try:
        lines = log_path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return "(no output)"
    return "\n".join(lines[-LOG_TAIL:]) or "(no output)"
