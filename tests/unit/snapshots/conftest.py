"""Emulators over fresh stores of each backend (memory, a SQLite file, a Redis database)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.storage.redis import RedisStore
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name
from tests.support.snapshots import EmulatorOf
from tests.support.stores import store_url_of

_files = itertools.count(1)


@pytest.fixture
def emulator_of(request: pytest.FixtureRequest, tmp_path: Path) -> EmulatorOf:
    """A new emulator over a fresh, empty store of the kind named."""

    def build(kind: str) -> Emulator:
        if kind == "sqlite":
            url = f"sqlite://{tmp_path / f'store-{next(_files)}.db'}"
        else:
            url = store_url_of(kind, request, tmp_path)
        built = Emulator.from_settings(Settings(store=url))
        if isinstance(built.store, RedisStore):
            built.store._redis().flushdb()
        return built

    return build
