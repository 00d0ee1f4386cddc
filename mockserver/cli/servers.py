"""Serving with several worker processes: gunicorn, used as a library.

The app (and so the directory, the costly part) is built once in the master before fork
(`preload_app`), so every worker starts at once and shares those pages copy-on-write. The store
is the one shared state; the SQLite and Redis stores open their connections lazily per process,
so what the master opened is never used by a worker.

Before each fork the master freezes the garbage collector's view of everything built so far
(`gc.freeze`, see `_pre_fork`), so the sharing lasts past the first collections in a worker.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from mockserver.scaleout.requestlog import flush_all

log = logging.getLogger("presence_mock")

# Measured on this workload (docs/benchmark.md): threads inside each worker keep a slow
# client from holding a whole process, at no cost to throughput on a short GET.
WORKER_CLASS = "gthread"
THREADS = 4


class GunicornServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, host: str, port: int, workers: int) -> None:
        self.app = app
        self.options: dict[str, Any] = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": WORKER_CLASS,
            "threads": THREADS,
            "preload_app": True,
            # The emulator logs one line per request itself; gunicorn's access log would be a
            # second one, so it stays off (None is gunicorn's default; said here on purpose).
            "accesslog": None,
            # Worker boots and exits are noise in a test log; warnings and errors still show.
            "loglevel": "warning",
            "graceful_timeout": 5,
            "when_ready": self._ready,
            # Request lines are written in batches (requestlog.py): the last ones go out here.
            "worker_exit": lambda _arbiter, _worker: flush_all(),
            "pre_fork": _pre_fork,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.app

    def _ready(self, arbiter: Any) -> None:
        for listener in arbiter.LISTENERS:
            log.info(
                "presence-mock serving on http://%s with %d workers",
                _address(listener),
                self.options["workers"],
            )


def _pre_fork(arbiter: Any, worker: Any) -> None:
    # A collection of the oldest generation writes to the header of every object it tracks,
    # so the first one in a worker would copy nearly every page of the directory it shares with
    # the master (and the master's own collections do the same on its side). Frozen objects are
    # never scanned again. Called before every fork, so a respawned worker also shares whatever
    # the master has built since. The cost: a cycle that is already garbage when frozen is never
    # freed; the directory build makes none worth counting, and the master allocates little.
    gc.freeze()


def _address(listener: Any) -> str:
    host, port = listener.sock.getsockname()[:2]
    return f"{host}:{port}"
