"""Store URLs for the backend-parametrized tests: memory, a SQLite temp file, or a database of
the session's redis-server of its own (see tests/support/redis_server.py)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

_databases = itertools.count(1)


def store_url_of(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store URL of `kind` ("memory", "sqlite" or "redis")."""
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite://{tmp_path / 'store.db'}"
    # Each test gets its own Redis database (0-15) so tests cannot see each other's keys.
    base = request.getfixturevalue("redis_server")
    return f"{base}/{next(_databases) % 16}"
