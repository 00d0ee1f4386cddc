"""The gunicorn wrapper's configuration, without starting gunicorn."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from mockserver.cli.servers import GunicornServer
from mockserver.web.app import create_app


@pytest.fixture
def unfrozen() -> Iterator[None]:
    # gc.freeze() is process-wide: leave the test process as it was found.
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_master_freezes_what_it_built_before_each_fork(unfrozen: None, emulator) -> None:
    server = GunicornServer(create_app(emulator=emulator), "127.0.0.1", 0, 2)
    assert server.cfg.preload_app
    assert gc.get_freeze_count() == 0
    server.cfg.pre_fork(None, None)
    assert gc.get_freeze_count() > 0


def test_a_worker_writes_its_pending_request_lines_as_it_exits(emulator) -> None:
    import io
    import logging

    from mockserver.scaleout.requestlog import BatchingStreamHandler

    stream = io.StringIO()
    handler = BatchingStreamHandler(stream, interval=3600)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        handler.emit(logging.makeLogRecord({"msg": "GET /last 200", "levelno": logging.INFO}))
        assert "GET /last 200" not in stream.getvalue()
        server = GunicornServer(create_app(emulator=emulator), "127.0.0.1", 0, 2)
        server.cfg.worker_exit(None, None)
        assert stream.getvalue().splitlines()[-1] == "GET /last 200"
    finally:
        root.removeHandler(handler)
