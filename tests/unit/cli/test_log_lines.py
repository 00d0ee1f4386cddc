"""serve's log lines can be put in order and told apart: each starts with the time to the
millisecond in a form that sorts as text, then the process that wrote it (`serve`, `gateway`,
`worker PID`); JSON lines carry the same as `process`."""

from __future__ import annotations

import io
import json
import logging
import multiprocessing
import re

from mockserver.cli import logs

TEXT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[(?P<origin>[^\]]+)\] (?P<rest>.*)$"
)


def _handler(style: str) -> tuple[logging.Handler, io.StringIO]:
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.addFilter(logs.OriginFilter())
    text = logging.Formatter(logs.TEXT_FORMAT, logs.TIME_FORMAT)
    handler.setFormatter(logs.JsonFormatter() if style == "json" else text)
    return handler, sink


def _record(message: str, created: float) -> logging.LogRecord:
    record = logging.LogRecord("presence_mock", logging.INFO, __file__, 1, message, None, None)
    record.created, record.msecs = created, (created % 1) * 1000
    return record


def test_a_text_line_is_time_then_process_then_message() -> None:
    handler, sink = _handler("text")
    handler.handle(_record("GET /x 200 1ms ok", 1_800_000_000.25))
    found = TEXT_LINE.match(sink.getvalue().rstrip("\n"))
    assert found, sink.getvalue()
    assert found["origin"] == "serve" and found["rest"] == "GET /x 200 1ms ok"
    assert ".250 [serve]" in sink.getvalue()


def test_lines_of_two_times_sort_as_text_in_time_order() -> None:
    handler, sink = _handler("text")
    # Written out of order (two workers' batches), put back in order by a plain sort.
    for created in (1_800_000_009.5, 1_800_000_000.75, 1_800_000_010.001):
        handler.handle(_record(f"at {created}", created))
    lines = sink.getvalue().splitlines()
    assert [line.split(" at ")[1] for line in sorted(lines)] == [
        "1800000000.75",
        "1800000009.5",
        "1800000010.001",
    ]


def test_json_lines_name_the_process() -> None:
    handler, sink = _handler("json")
    handler.handle(_record("hello", 1_800_000_000.0))
    line = json.loads(sink.getvalue())
    assert line["process"] == "serve" and line["message"] == "hello"


def _origin_in_child(queue: multiprocessing.Queue[str]) -> None:
    queue.put(logs.origin())


def test_a_forked_process_is_named_by_its_role() -> None:
    context = multiprocessing.get_context("fork")
    for name, expected in (("presence-mock-gateway", "gateway"), ("granian-worker", "worker ")):
        queue: multiprocessing.Queue[str] = context.Queue()
        child = context.Process(target=_origin_in_child, args=(queue,), name=name)
        child.start()
        said = queue.get(timeout=10)
        child.join(10)
        assert said.startswith(expected), said
        if expected == "worker ":
            assert said == f"worker {child.pid}"
    assert logs.origin() == "serve"
