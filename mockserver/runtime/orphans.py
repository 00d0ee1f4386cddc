"""A process forked by `serve` (a granian worker, the gateway) ends when `serve` is gone.

`serve` stops its children when it is stopped; killed outright (SIGKILL, an OOM kill) it cannot,
and its workers would go on answering REST with no gateway beside them and nobody to stop them.
A thread of each child looks at its parent every half second (portable: the parent ID changes
when the parent dies, on every POSIX system) and stops the child as SIGTERM would, then, if it
is still there after a grace period, ends it outright.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

log = logging.getLogger("presence_mock")
CHECK_SECONDS = 0.5  # between two looks at the parent
GRACE_SECONDS = 5.0  # after SIGTERM, before the process is ended outright


def exit_with_parent(parent: int, name: str) -> threading.Thread:
    """Start the watchdog in this process: stop it once `parent` is no longer its parent."""
    thread = threading.Thread(
        target=_watch, args=(parent, name), name="presence-mock-orphan-watch", daemon=True
    )
    thread.start()
    return thread


def _watch(parent: int, name: str) -> None:
    while os.getppid() == parent:
        time.sleep(CHECK_SECONDS)
    log.warning("presence-mock %s (pid %d): serve is gone, stopping", name, os.getpid())
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_SECONDS)
    os._exit(1)
