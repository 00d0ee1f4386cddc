"""The gunicorn wrapper's configuration, without starting gunicorn."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from flask import Flask

from mockserver.server import GunicornServer


@pytest.fixture
def unfrozen() -> Iterator[None]:
    # gc.freeze() is process-wide: leave the test process as it was found.
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_master_freezes_what_it_built_before_each_fork(unfrozen: None) -> None:
    server = GunicornServer(Flask("t"), "127.0.0.1", 0, 2)
    assert server.cfg.preload_app
    assert gc.get_freeze_count() == 0
    server.cfg.pre_fork(None, None)
    assert gc.get_freeze_count() > 0
