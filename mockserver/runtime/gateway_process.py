"""The gateway's own process, started by `serve` beside granian's workers (docs/serving.md: a
WSGI worker cannot hold a socket open, so the sockets live here, on their own port).

It also runs the background services (background.py: the WebHook deliverer, the office-day
player) as threads: a process that lives as long as the server, one per `serve`; the store's
leases have each job done once across replicas.

`serve` binds the port in the master (so a taken port is one line at start-up and `0` is
settled before the app says where the gateway is), then forks the gateway from the master
after the app is built: the child finds the emulator ready, as granian's workers do. The child
stops with SIGTERM/SIGINT (aiohttp's own handling), and on its own when the master is gone
(killed outright): it never outlives `serve`.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import socket

from mockserver.emulator import Emulator

log = logging.getLogger("presence_mock")
BACKLOG = 2048
STOP_TIMEOUT = 5.0


def bind(host: str, port: int) -> socket.socket:
    """The gateway's listening socket; OSError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(BACKLOG)
    except OSError:
        listener.close()
        raise
    return listener


def start(
    emulator: Emulator, listener: socket.socket, owner: str | None = None
) -> multiprocessing.process.BaseProcess:
    """Fork the gateway process serving on `listener`; the caller closes its copy. `owner`:
    the background services' lease owner (the same for a restarted gateway: supervisor.py)."""
    context = multiprocessing.get_context("fork")
    process = context.Process(
        target=run, args=(emulator, listener, os.getpid(), owner), name="presence-mock-gateway"
    )
    process.start()
    return process


def stop(process: multiprocessing.process.BaseProcess) -> None:
    if process.is_alive():
        process.terminate()
        process.join(STOP_TIMEOUT)
    if process.is_alive():
        process.kill()
        process.join(STOP_TIMEOUT)


def run(emulator: Emulator, listener: socket.socket, parent: int, owner: str | None = None) -> None:
    """The gateway's main: serve until stopped or orphaned."""
    from aiohttp import web

    from mockserver.gateway.app import Gateway
    from mockserver.gateway.core import Core
    from mockserver.runtime import background
    from mockserver.runtime.orphans import exit_with_parent

    core = Core(emulator)
    gateway = Gateway(core)
    app = gateway.application()
    # WebHooks and office-day: exactly once across processes and replicas by their leases.
    services = background.start(emulator, owner)

    # Stops this process as SIGTERM would once the master is gone (a thread: it does so even
    # while the event loop is busy).
    exit_with_parent(parent, "gateway")
    # What is built so far (the directory, the app) lives as long as the process: out of the
    # collector's sight, a full collection does not walk it again and again (as in the workers).
    gc.freeze()
    host, port = listener.getsockname()[:2]
    # At debug: serve's banner names the gateway once it answers (runtime/serve.py).
    log.debug("presence-mock gateway on ws://%s:%d/ws (pid %d)", host, port, os.getpid())
    try:
        web.run_app(
            app,
            sock=listener,
            print=None,
            access_log=None,
            shutdown_timeout=2.0,
            handle_signals=True,
        )
    finally:
        services.stop(timeout=0)
        core.close()
