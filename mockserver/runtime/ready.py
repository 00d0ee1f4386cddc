"""`serve --ready-file PATH`: a file that appears once the server answers, for CI scripts.

A thread of the master asks both servers for their health (REST `/_mock/health` on the REST
port, `/_mock/health` on the gateway's) until both answer 200, then writes PATH atomically (a
temporary file beside it, renamed), so a reader never sees half of it: JSON with the URLs a
client needs and the master's PID. A file left by an earlier run is removed before the server
starts, and PATH is removed when the server stops, so its presence means "answering now"
(docs/options.md).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from mockserver.config import ConfigError, Settings

POLL_SECONDS = 0.05
PROBE_TIMEOUT = 2.0
HEALTH = "/_mock/health"
# A wildcard address is served on every interface; a client on this machine reaches it here.
_LOOPBACK_OF = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


def client_host(host: str) -> str:
    """The host a client on this machine uses for a server bound to `host` (URL form)."""
    name = _LOOPBACK_OF.get(host, host)
    return f"[{name}]" if ":" in name else name


def contents(settings: Settings, pid: int) -> dict[str, Any]:
    """What the ready file says: where each part of the server is, and who to signal."""
    host = client_host(settings.host)
    rest = f"http://{host}:{settings.port}"
    gateway = f"http://{host}:{settings.gateway_port}"
    return {
        "url": rest,
        "gatewayUrl": gateway,
        "websocketUrl": f"ws://{host}:{settings.gateway_port}/ws",
        "boardUrl": f"{rest}/_mock/board" if settings.board else None,
        "pid": pid,
    }


def prepare(path: str) -> Path:
    """Check PATH can be written and remove a file an earlier run left there, before the server
    starts: a stale file would tell a waiting script the new server answers."""
    target = Path(path)
    if not target.parent.is_dir():
        raise ConfigError(f"--ready-file {path}: no such directory {str(target.parent)!r}")
    if target.is_dir():
        raise ConfigError(f"--ready-file {path}: is a directory")
    try:
        target.unlink(missing_ok=True)
    except OSError as error:
        raise ConfigError(f"--ready-file {path}: {error.strerror}") from None
    return target


def write_atomically(target: Path, text: str) -> None:
    handle, scratch = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as sink:
            sink.write(text)
        os.replace(scratch, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise


def answers(host: str, port: int) -> bool:
    """Whether the server at host:port answers its health check with 200. Plain http.client:
    no proxy variable can send a loopback probe elsewhere."""
    connection = http.client.HTTPConnection(host.strip("[]"), port, timeout=PROBE_TIMEOUT)
    try:
        connection.request("GET", HEALTH)
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


class ReadyFile:
    """Writes the file once both servers answer (a daemon thread); `remove()` at shutdown."""

    def __init__(self, path: str, settings: Settings, pid: int | None = None) -> None:
        self.target = prepare(path)
        self.settings = settings
        self.pid = os.getpid() if pid is None else pid
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="ready-file", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        host = client_host(self.settings.host)
        ports = (self.settings.port, self.settings.gateway_port)
        while not self._stopped.is_set():
            if all(port is not None and answers(host, port) for port in ports):
                write_atomically(self.target, json.dumps(contents(self.settings, self.pid)) + "\n")
                return
            self._stopped.wait(POLL_SECONDS)

    def remove(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=PROBE_TIMEOUT * 2)
        with contextlib.suppress(OSError):
            self.target.unlink()
