"""The store backends every storage test runs on: memory, SQLite (a temp file) and a real Redis
(the session's redis-server, tests/support/redis_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.storage import Store, store_from_url
from tests.support.stores import store_url_of


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_url_of(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", "redis"])
def shared_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The stores several processes can share."""
    return store_url_of(request.param, request, tmp_path)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = store_from_url(store_url)
    if store_url.startswith("redis://"):
        opened._redis().flushdb()  # type: ignore[attr-defined]
    yield opened
