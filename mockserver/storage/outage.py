"""A store that cannot be reached: known as such, said once, probed until it is back.

Redis stopped or unreachable, a SQLite file locked past its timeout or unreadable: each request
that meets it would raise, log a traceback and answer 500 (hundreds of lines a second). Instead
the web layer asks `Outage` before a request (`available`): while the store is down a request is
answered 503 at once, and at most one request a `PROBE_EVERY` looks whether it is back. The log
says when an outage starts and when it ends, once each per process.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Mapping

from mockserver.errors import ServiceUnavailable

log = logging.getLogger("presence_mock")
PROBE_EVERY = 1.0  # seconds between two looks at a store that is down
RETRY_AFTER = 2  # seconds a client is told to wait (Retry-After) while the store is down


def store_unavailable(headers: Mapping[str, str] | None = None) -> ServiceUnavailable:
    """What a request gets while the store is down: 503 CMN-201 with `Retry-After`."""
    return ServiceUnavailable(headers={**(headers or {}), "Retry-After": str(RETRY_AFTER)})


def is_outage(error: BaseException) -> bool:
    """An error that says the store cannot be reached or read now, not a bug: Redis's connection
    and timeout errors, SQLite's operational errors (locked, unable to open, disk I/O, read-only)
    and a file that is not a database."""
    redis = sys.modules.get("redis.exceptions")  # imported only where a redis:// store is used
    if redis is not None and isinstance(error, redis.ConnectionError | redis.TimeoutError):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return True
    return type(error) is sqlite3.DatabaseError  # "file is not a database", not a bug's kind


class Outage:
    """Whether this process's store is reachable. `probe` reads the store (any cheap call).
    Background loops that use the store (a flusher, the gateway's tail, the deliverer) report
    their failures here too and, while it is down, wait on `available` instead of retrying."""

    def __init__(self, probe: Callable[[], object], every: float = PROBE_EVERY) -> None:
        self._probe = probe
        self._every = every
        self._lock = threading.Lock()
        self._since: float | None = None  # monotonic start of the outage, None while up
        self._checked = 0.0  # monotonic time of the last probe while down

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException) -> None:
        """The store just failed a caller (a request, a background loop): the outage starts
        (said once) or goes on."""
        with self._lock:
            if self._since is not None:
                return
            self._since = self._checked = time.monotonic()
        log.error(
            "store unavailable: %s; requests are answered 503 until it is back",
            _one_line(error),
        )

    def report(self, error: Exception, what: str) -> None:
        """A background loop's failure: an outage is said once (here), anything else is logged
        with its traceback, `what` first."""
        if is_outage(error):
            self.failed(error)
        else:
            log.error(what, exc_info=error)

    def available(self) -> bool:
        """True while the store is up; while it is down, False, except that one caller a
        `PROBE_EVERY` probes it, and on success the outage ends (said once) and it is True."""
        if self._since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if self._since is None:
                return True
            if now - self._checked < self._every:
                return False
            self._checked = now
        try:
            self._probe()
        except Exception as error:
            if not is_outage(error):
                raise
            return False
        self._recovered()
        return True

    def check(self) -> bool:
        """Probe now, whatever the last probe said (a health check): True if the store answers."""
        try:
            self._probe()
        except Exception as error:
            if not is_outage(error):
                raise
            self.failed(error)
            return False
        self._recovered()
        return True

    def _recovered(self) -> None:
        with self._lock:
            since, self._since = self._since, None
        if since is not None:
            log.warning("store available again after %.1f s", time.monotonic() - since)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:200]
