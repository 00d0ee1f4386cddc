"""Request lines are written at once while a process logs little (so several workers' lines come
in the order they were served), in batches beyond that, at once for warnings, and never twice
across fork."""

from __future__ import annotations

import io
import logging
import os
import time

from mockserver.scaleout.requestlog import BatchingStreamHandler


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
