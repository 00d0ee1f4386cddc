"""Serving: granian's WSGI server, used as a library, with the app built once before the fork.

Why granian: its HTTP handling is in Rust, so it spends a fraction of the CPU per request that a
Python server does, it keeps answering while slow clients trickle headers or sit idle (it reads
a request whole before a Python thread sees it), and its workers are plain forked processes.
The figures behind the choice are in docs/benchmark.md.

The app (and so the directory, the costly part) is built in the master; the workers are forked
from it and find it ready in `SERVED`, sharing those pages copy-on-write. Before the fork the
master freezes the garbage collector's view of everything built so far (`gc.freeze`), so the
sharing lasts past the first collections in a worker.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.util
import os
from typing import Any

from flask import Flask
from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels

from mockserver.runtime.orphans import exit_with_parent
from mockserver.scaleout.requestlog import flush_all

# What the workers serve: set in the master before they are forked (see `serve`).
SERVED: Flask | None = None

# Two Python threads per worker run the app; granian's own runtime thread does the I/O.
BLOCKING_THREADS = 2
RUNTIME_THREADS = 1
# Open connections a worker accepts; granian's default (512) is used up by idle keep-alive
# clients, after which new ones wait. Idle sockets cost granian almost nothing.
BACKPRESSURE = 2048
# A client must have sent its request headers within this time, or its socket is closed.
HEADER_READ_TIMEOUT_MS = 5000
# A worker that has not stopped this long after SIGTERM is killed: granian's default waits
# forever, and a worker told to stop while it is still starting can hang a shutdown.
WORKERS_KILL_TIMEOUT = 3
# granian's own messages go through the emulator's logging (same handler, same format).
LOGGING = {
    "loggers": {
        "_granian": {"handlers": [], "propagate": True},
        "granian.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
    }
}


def serve(app: Flask, host: str, port: int, workers: int) -> None:
    """Serve `app` with `workers` processes until the server is stopped (SIGTERM, Ctrl-C)."""
    global SERVED
    SERVED = app
    # The workers must be forked (not spawned) to find the app built.
    multiprocessing.set_start_method("fork", force=True)
    _flush_log_at_worker_exit()
    _exit_with_master()
    gc.freeze()
    server = Granian(
        f"{__name__}:SERVED",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=BLOCKING_THREADS,
        runtime_threads=RUNTIME_THREADS,
        backpressure=BACKPRESSURE,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
        workers_kill_timeout=WORKERS_KILL_TIMEOUT,
        log_level=LogLevels.warning,
        log_access=False,
        log_dictconfig=LOGGING,
    )
    server.serve()


def _flush_log_at_worker_exit() -> None:
    """Request lines are written in batches (requestlog.py); a worker's last ones go out as it
    exits. granian's workers are multiprocessing children that leave through os._exit, so
    atexit never runs there; multiprocessing's finalizers do. A child clears the finalizers it
    inherited and then runs the after-fork callbacks, so the finalizer is registered from one."""
    multiprocessing.util.register_after_fork(flush_all, _register_finalizer)


def _exit_with_master() -> None:
    """A worker stops when the master is gone (killed outright, it cannot stop them itself):
    each forked worker starts a watchdog on the master (orphans.py)."""
    master = os.getpid()
    multiprocessing.util.register_after_fork(
        exit_with_parent, lambda _: exit_with_parent(master, "worker")
    )


def _register_finalizer(_: Any) -> None:
    multiprocessing.util.Finalize(None, flush_all, exitpriority=100)
