"""Where the emulator's changeable state lives: the Store interface (base.py) and its backends.

`store_from_url` opens the backend a --store URL names: memory (one process), a SQLite file or
Redis (shared by processes and replicas). It opens plain stores; the scale-out wrapper
(mockserver/scaleout) is applied by the app factory where processes share one.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from mockserver.storage.base import (
    Collections,
    Counters,
    Entries,
    EventStream,
    Image,
    Images,
    Leases,
    Overrides,
    Record,
    Records,
    Store,
    Transactions,
    Window,
)

__all__ = [
    "ACCEPTED",
    "Collections",
    "Counters",
    "Entries",
    "EventStream",
    "Image",
    "Images",
    "Leases",
    "Overrides",
    "Record",
    "Records",
    "Store",
    "StoreURLError",
    "Transactions",
    "Window",
    "store_from_url",
]


class StoreURLError(ValueError):
    """A --store URL this build cannot open."""


ACCEPTED = "memory://, sqlite:///absolute/path/to/file.db or redis://host:port/db"


def store_from_url(url: str) -> Store:
    """Open the store a --store URL names; StoreURLError names the URL and the accepted forms."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port raises ValueError on a bad one
    except ValueError as error:
        raise StoreURLError(f"bad store URL {url!r} ({error}): expected {ACCEPTED}") from None
    if parts.scheme == "memory" and url.rstrip("/") == "memory:":
        from mockserver.storage.memory import MemoryStore

        return MemoryStore()
    if parts.scheme == "sqlite" and url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        from mockserver.storage.sqlite import SQLiteStore

        path = url[len("sqlite://") :]
        try:
            return SQLiteStore(path)
        except Exception as error:  # sqlite3.Error or OSError: say which file and why
            raise StoreURLError(f"cannot open store {url!r}: {error}") from None
    if parts.scheme == "redis" and parts.hostname and re.fullmatch(r"/?\d*", parts.path):
        from mockserver.storage.redis import RedisStore

        try:
            return RedisStore(url)
        except Exception as error:  # connection refused, bad db, missing package
            raise StoreURLError(f"cannot open store {url!r}: {error}") from None
    raise StoreURLError(f"unsupported store URL {url!r}: expected {ACCEPTED}")
