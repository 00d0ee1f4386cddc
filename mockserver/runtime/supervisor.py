"""`serve` keeps its gateway process alive (a process that dies loses no event another can
deliver; decision WS-18): a thread of the master waits on the gateway; when it dies without
being asked to, it is logged and a new one is forked on the same port.

Nothing is lost meanwhile: presence changes go on being logged in the store by the workers, and
the new gateway's WebHook deliverer goes on from each subscription's cursor in its lease. Every
gateway of one `serve` runs its background services under the same lease owner, so the new one
takes the leases over at once instead of after they run out (safe: the old one is dead, the
master has reaped it). The one change the dead deliverer may have POSTed without recording it is
POSTed again: the documented at-least-once edge (decision EVT-13).

WebSocket sessions are kept in the store too (mockserver/gateway/recovery.py): a client reconnecting
with `wsc` to the restarted gateway within the recovery timeout gets what it missed.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time

from mockserver.emulator import Emulator
from mockserver.runtime import gateway_process as process

log = logging.getLogger("presence_mock")
RESTART_PAUSE = 0.5  # seconds between two restarts of a gateway that keeps dying at once
# A gateway that stopped cleanly (exit 0: a SIGTERM or SIGINT) is restarted only if serve is not
# itself stopping within this many seconds (granian's workers take up to 3 s to stop).
STOP_GRACE = 5.0
BIND_TRIES = 20  # tries of the port (its old sockets may be closing still), 0.1 s apart


class Supervisor:
    def __init__(self, emulator: Emulator, listener: socket.socket) -> None:
        self.emulator = emulator
        self.address = listener.getsockname()[:2]
        # One owner for every gateway of this serve: a restarted one takes the leases at once.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:gateway:{secrets.token_hex(4)}"
        self.restarts = 0
        self.current = process.start(emulator, listener, self.owner)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="gateway-supervisor", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopping.is_set():
            self.current.join(0.2)
            if self.current.is_alive() or self._stopping.is_set():
                continue
            if self.current.exitcode == 0 and self._stopping.wait(STOP_GRACE):
                # It stopped as asked by a signal that reached the whole server (Ctrl-C at a
                # terminal, a stop of the process group): serve is stopping too, not a crash.
                return
            log.warning(
                "presence-mock gateway (pid %s) died with exit code %s: restarting it",
                self.current.pid,
                self.current.exitcode,
            )
            time.sleep(RESTART_PAUSE)
            try:
                self._restart()
            except OSError as error:
                log.error("presence-mock gateway: cannot restart it: %s", error)
                self._stopping.wait(1.0)

    def _restart(self) -> None:
        host, port = self.address
        for attempt in range(BIND_TRIES):
            try:
                listener = process.bind(host, port)
                break
            except OSError:
                if attempt == BIND_TRIES - 1:
                    raise
                time.sleep(0.1)
        if self._stopping.is_set():
            listener.close()
            return
        self.current = process.start(self.emulator, listener, self.owner)
        listener.close()
        self.restarts += 1
        log.info("presence-mock gateway restarted (pid %s)", self.current.pid)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5.0)
        process.stop(self.current)
