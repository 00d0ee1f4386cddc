"""The granian wrapper: the app is built once in the master, frozen for the collector, and the
workers write their last request lines as they exit (without starting granian here)."""

from __future__ import annotations

import gc
import logging
import multiprocessing
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver.runtime import workers as servers
from mockserver.scaleout.requestlog import BatchingStreamHandler
from mockserver.web.app import create_app


class Recorded:
    """Stands in for granian.Granian: records what it was given, serves nothing."""

    given: dict[str, Any] = {}  # noqa: RUF012 - one per test, reset by the fixture

    def __init__(self, target: str, **options: Any) -> None:
        Recorded.given = {"target": target, **options}

    def serve(self) -> None:
        Recorded.given["frozen"] = gc.get_freeze_count()
        module, _, name = Recorded.given["target"].partition(":")
        assert module == servers.__name__
        Recorded.given["served"] = getattr(servers, name)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Recorded]]:
    # gc.freeze() and the start method are process-wide: leave the test process as found.
    gc.unfreeze()
    method = multiprocessing.get_start_method(allow_none=True)
    monkeypatch.setattr(servers, "Granian", Recorded)
    monkeypatch.setattr(servers, "_flush_log_at_worker_exit", lambda: None)
    yield Recorded
    gc.unfreeze()
    multiprocessing.set_start_method(method, force=True)


def test_the_workers_fork_from_a_master_that_built_and_froze_the_app(recorded, emulator) -> None:
    app = create_app(emulator=emulator)
    servers.serve(app, "127.0.0.1", 0, 2)
    assert recorded.given["served"] is app
    assert recorded.given["frozen"] > 0
    assert recorded.given["workers"] == 2
    assert multiprocessing.get_start_method() == "fork"
    # Idle keep-alive clients must not use up the connections a worker accepts.
    assert recorded.given["backpressure"] >= 1024
    assert recorded.given["http1_settings"].header_read_timeout <= 10_000


def _child_logs_a_line() -> None:
    logging.getLogger("presence_mock").info("GET /last-words 200")  # pending, not yet written


def test_a_worker_writes_its_pending_request_lines_as_it_exits(tmp_path) -> None:
    log_file = tmp_path / "serve.log"
    with log_file.open("w") as stream:
        # Never by time nor at once in this test: the line waits for the worker's exit.
        handler = BatchingStreamHandler(stream, interval=3600, at_once=0)
        root = logging.getLogger()
        root.addHandler(handler)
        level = root.level
        root.setLevel(logging.INFO)
        try:
            servers._flush_log_at_worker_exit()
            # granian's workers are forked multiprocessing children that leave by os._exit
            child = multiprocessing.get_context("fork").Process(target=_child_logs_a_line)
            child.start()
            child.join(timeout=30)
            assert child.exitcode == 0
        finally:
            root.removeHandler(handler)
            root.setLevel(level)
    assert log_file.read_text().splitlines() == ["GET /last-words 200"]
