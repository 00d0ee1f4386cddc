"""Request lines are written at once while a process logs little (so several workers' lines come
in the order they were served), in batches beyond that, at once for warnings, and never twice
across fork."""

from __future__ import annotations

import io
import json
import logging
import os
import time
from collections.abc import Callable

import pytest

from mockserver.scaleout.requestlog import BatchingStreamHandler, _sole_handler, log_request


def _logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"test-requestlog-{time.time_ns()}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger


def test_lines_wait_for_the_batch_and_a_warning_writes_them_all_in_order() -> None:
    stream = io.StringIO()
    logger = _logger(BatchingStreamHandler(stream, interval=3600, at_once=0))
    logger.info("GET /a 200")
    logger.info("GET /b 404")
    assert stream.getvalue() == ""
    logger.warning("something is off")
    assert stream.getvalue().splitlines() == ["GET /a 200", "GET /b 404", "something is off"]


def test_the_flusher_writes_pending_lines_by_itself() -> None:
    stream = io.StringIO()
    logger = _logger(BatchingStreamHandler(stream, interval=0.01, at_once=0))
    logger.info("GET /c 200")
    deadline = time.monotonic() + 5
    while not stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stream.getvalue() == "GET /c 200\n"


def test_a_forked_child_does_not_write_its_parents_pending_lines() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as stream:
        handler = BatchingStreamHandler(stream, interval=3600, at_once=0)
        logger = _logger(handler)
        logger.info("parent line")
        child = os.fork()
        if child == 0:  # the child: log one line of its own and exit the way a worker does
            logger.info("child line")
            handler.flush()
            os._exit(0)
        os.waitpid(child, 0)
        handler.flush()
    with os.fdopen(read_end) as written:
        assert sorted(written.read().splitlines()) == ["child line", "parent line"]


def test_the_first_lines_of_each_interval_are_written_at_once_then_batched() -> None:
    stream = io.StringIO()
    logger = _logger(BatchingStreamHandler(stream, interval=3600, at_once=3))
    for n in range(5):
        logger.info(f"GET /{n} 200")
    # A person's or a script's pace: each line is out before the answer (and the next request).
    assert stream.getvalue().splitlines() == ["GET /0 200", "GET /1 200", "GET /2 200"]
    logger.warning("then a warning writes what waits, in order")
    assert stream.getvalue().splitlines()[3:] == [
        "GET /3 200",
        "GET /4 200",
        "then a warning writes what waits, in order",
    ]


def _configured(style: str) -> tuple[logging.Logger, io.StringIO, BatchingStreamHandler]:
    """A root logger as `serve` configures it (cli/logs.py), writing into a string."""
    from mockserver.cli import logs

    stream = io.StringIO()
    formatter = logs.JsonFormatter() if style == "json" else logs.TextFormatter()
    handler = BatchingStreamHandler(stream, interval=3600, at_once=100, lines=formatter)
    handler.addFilter(logs.OriginFilter())
    handler.setFormatter(formatter)
    return logging.getLogger(f"test-requestlog-{time.time_ns()}"), stream, handler


@pytest.fixture
def root_alone(monkeypatch: pytest.MonkeyPatch) -> Callable[[logging.Handler], None]:
    """Make `handler` the root logger's only handler for the test (pytest's own put back)."""

    def install(handler: logging.Handler) -> None:
        monkeypatch.setattr(logging.root, "handlers", [handler])
        monkeypatch.setattr(logging.root, "level", logging.INFO)

    return install


@pytest.mark.parametrize("style", ["text", "json"])
def test_a_request_line_written_straight_reads_as_the_same_record_would(
    style: str, root_alone: Callable[[logging.Handler], None]
) -> None:
    logger, stream, handler = _configured(style)
    root_alone(handler)
    fields = {"method": "GET", "path": "/x", "status": 200}
    assert _sole_handler(logger, logging.INFO) is handler  # the straight way is taken
    log_request(logger, logging.INFO, "GET /x 200", lambda: fields)
    logger.info("%s", "GET /x 200", extra={"fields": fields})  # the ordinary way
    straight, ordinary = stream.getvalue().splitlines()
    if style == "json":
        first, second = json.loads(straight), json.loads(ordinary)
        assert first.pop("time")[:19] == second.pop("time")[:19]
        assert first == second == {"level": "info", "process": "serve", **fields}
    else:
        assert straight[23:] == ordinary[23:] == " [serve] GET /x 200"
        assert straight[:19] == ordinary[:19]  # the same second, written the same way


def test_the_text_time_is_the_records_time_to_the_millisecond() -> None:
    from mockserver.cli import logs

    formatter = logs.TextFormatter()
    for created in (1_800_000_000.0, 1_800_000_000.999, 1_800_000_061.5005):
        record = logging.makeLogRecord({"msg": "m", "created": created})
        record.msecs = int((created - int(created)) * 1000) + 0.0
        record.origin = "serve"
        assert formatter.line(created, logging.INFO, "m", dict) == formatter.format(record)


def test_below_the_handlers_level_nothing_is_written(
    root_alone: Callable[[logging.Handler], None],
) -> None:
    logger, stream, handler = _configured("text")
    handler.setLevel(logging.INFO)
    root_alone(handler)
    log_request(logger, logging.DEBUG, "GET /board 200", dict)
    handler.flush()
    assert stream.getvalue() == ""


def test_with_another_handler_listening_the_line_is_an_ordinary_record(
    root_alone: Callable[[logging.Handler], None], caplog: pytest.LogCaptureFixture
) -> None:
    logger, stream, handler = _configured("text")
    root_alone(handler)
    logging.root.addHandler(caplog.handler)  # as pytest's caplog does
    log_request(logger, logging.INFO, "GET /y 200", lambda: {"status": 200})
    assert [r.fields for r in caplog.records if r.getMessage() == "GET /y 200"] == [  # type: ignore[attr-defined]
        {"status": 200}
    ]
    assert stream.getvalue().endswith(" GET /y 200\n")
