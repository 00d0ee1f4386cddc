"""`python -m bench.instructions`: CPU instructions per request, counted by valgrind's callgrind.

Instruction counts hardly move when other processes take the cores, so this is the figure that
can be compared across runs on a shared machine. The app is called as a WSGI application in
this process (no server: what a server adds is the same for every app), built as `serve` builds
it (a SQLite store its workers share, the request log at INFO through the batching handler).
For each measure the script runs once under callgrind:
after a warm-up, `--count` requests are made inside one call of `sorted()` (its C function,
`builtin_sorted`, is what callgrind is told to count, `--toggle-collect`), so set-up and warm-up
are left out and the total divided by `--count` is the cost of one request.

    python -m bench.instructions                  # every measure, 200 requests each
    python -m bench.instructions --measure single --count 400
    python -m bench.instructions --inprocess      # PresenceMock vs a static `responses` stub,
                                                  # and the floor: a bare Flask route in its place

Needs `valgrind` (Debian: `apt-get install valgrind`). Takes a few minutes per measure.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

API = "/restapi/v1.0/account/~"
MEASURES = ("bare", "shape", "single", "batch", "page", "put")
IN_PROCESS = ("stub", "floor", "mock", "fixture")
WARM = 20  # requests before counting starts: first-call caches, imports, the JIT-less warm-up


def _environ(method: str, path: str, query: str, token: str, body: bytes) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8090",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8090",
        "HTTP_ACCEPT": "application/json",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _caller(measure: str, scratch: Path) -> Callable[[], None]:
    """One request of `measure`, ready to call again and again."""
    from mockserver.cli import logs

    # `serve` logs every request at INFO through the batching handler (cli/logs.py).
    stderr, sys.stderr = sys.stderr, open(os.devnull, "w")  # noqa: SIM115
    try:
        logs.configure("info", "text")
    finally:
        sys.stderr = stderr
    if measure == "bare":
        from bench.bare_app import BARE_PATH, bare_app

        app: Any = bare_app(557)
        environ = _environ("GET", BARE_PATH, "", "-", b"")
    else:
        from werkzeug.test import Client

        from mockserver.config import Settings
        from mockserver.web.app import create_app
        from tests.support.login import login

        settings = Settings(store=f"sqlite://{scratch / 'store.db'}", extensions=100)
        app = create_app(settings)
        directory = app.extensions["presence_mock"].directory
        owner = directory.accounts[0].extensions[0]
        token = login(Client(app), directory, owner).token
        ids = ",".join(str(e.id) for e in directory.accounts[0].extensions[:30])
        method, path, query, body = {
            "single": ("GET", f"{API}/extension/~/presence", "", b""),
            "shape": ("GET", f"{API}/extension/~/presence", "", b""),
            "batch": ("GET", f"{API}/extension/{ids}/presence", "", b""),
            "page": ("GET", f"{API}/presence", "perPage=100", b""),
            "put": ("PUT", f"{API}/extension/~/presence", "", b'{"userStatus":"Busy"}'),
        }[measure]
        environ = _environ(method, path, query, token, body)
        if measure == "shape":
            app = _shape_only(app, environ)

    def call() -> None:
        fresh = dict(environ)
        fresh["wsgi.input"] = io.BytesIO(environ["wsgi.input"].getvalue())
        status: list[str] = []
        chunks = app(fresh, lambda s, h, e=None: status.append(s))
        for _ in chunks:
            pass
        if hasattr(chunks, "close"):
            chunks.close()
        assert status[0][:1] == "2", status

    return call


def _shape_only(app: Any, environ: dict[str, Any]) -> Any:
    """`shape`: the emulator's own Flask app (its class, every route, its Response) with none of
    the emulator's work: no hooks, and the single GET's view answering the bytes and headers the
    emulator answered a moment before. What Flask costs for a request of the single GET's shape."""
    from flask import Response

    answered: list[Any] = []
    chunks = app(dict(environ), lambda s, h, e=None: answered.append(h))
    body = b"".join(chunks)
    made_by_response = ("content-type", "content-length")
    headers = [(n, v) for n, v in answered[0] if n.lower() not in made_by_response]
    for funcs in (app.before_request_funcs, app.after_request_funcs):
        funcs.clear()

    def constant(**_: Any) -> Response:
        return Response(body, 200, headers, content_type="application/json")

    app.view_functions["api.readUserPresenceStatus"] = constant
    return app


def _in_process_caller(measure: str) -> Callable[[], None]:
    """`stub`: a GET answered by a static `responses` stub; `mock`: the same GET through
    PresenceMock; `floor`: a GET of a bare Flask route with a body as long, through the same
    responses route and WSGI caller as PresenceMock's (what any Flask app served that way costs
    at least); `fixture`: PresenceMock's set-up and reset, as the pytest fixture does them."""
    import re

    import requests
    import responses

    from bench.bare_app import BARE_PATH, bare_app
    from mockserver.chaos import INPROCESS
    from mockserver.inprocess import PresenceMock
    from mockserver.inprocess.mock import SANDBOX, AppRoute
    from mockserver.inprocess.wsgi import WsgiCaller
    from tests.support.login import jwt_token

    base = SANDBOX.rstrip("/")
    url = f"{base}{API}/extension/~/presence"
    if measure == "fixture":

        def fixture() -> None:
            with PresenceMock() as mock:
                mock.reset()

        return fixture
    mock = PresenceMock()
    mock.start()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {jwt_token(base, mock.credentials)}"
    answer = session.get(url, timeout=5)
    assert answer.status_code == 200, answer.text
    if measure == "mock":
        return lambda: _ok(session.get(url, timeout=5))
    mock.stop()
    stub = responses.RequestsMock(assert_all_requests_are_fired=False)
    stub.start()
    if measure == "floor":
        bare = WsgiCaller(bare_app(len(answer.content)), {INPROCESS: True})
        stub.add(AppRoute(re.compile(re.escape(base) + r"(/.*)?(\?.*)?$"), bare))
        floor = f"{base}{BARE_PATH}"
        _ok(session.get(floor, timeout=5))
        return lambda: _ok(session.get(floor, timeout=5))
    stub.add(responses.GET, url, body=answer.content, content_type="application/json")
    return lambda: _ok(session.get(url, timeout=5))


def _ok(answer: Any) -> None:
    assert answer.status_code == 200, answer.text


def _counted(call: Callable[[], None]) -> int:
    call()
    return 0


def child(measure: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        if measure in IN_PROCESS:
            call = _in_process_caller(measure)
        else:
            call = _caller(measure, Path(scratch))
        for _ in range(WARM):
            call()
        # Counted: everything inside this one sorted() call (see the module's docstring).
        sorted(range(count), key=lambda _: _counted(call))
        for handler in logging.getLogger().handlers:
            handler.flush()


def instructions(measure: str, count: int) -> int:
    """Instructions of `count` requests after the warm-up."""
    with tempfile.TemporaryDirectory() as out:
        target = Path(out) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--toggle-collect=builtin_sorted",
            f"--callgrind-out-file={target}",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            measure,
            "--count",
            str(count),
        ]
        env = dict(os.environ, PYTHONHASHSEED="0")
        subprocess.run(command, check=True, capture_output=True, env=env)
        for line in target.read_text().splitlines():
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise SystemExit(f"bench.instructions: no totals in callgrind's output for {measure}")


def per_request(measure: str, count: int) -> float:
    return instructions(measure, count) / count


def table(measures: Iterable[str], count: int, baseline: str) -> str:
    figures = {measure: per_request(measure, count) for measure in measures}
    lines = ["| measure | instructions per request | vs " + baseline + " |", "|---|---:|---:|"]
    base = figures.get(baseline)
    for measure, value in figures.items():
        ratio = f"{value / base:.2f}x" if base else "-"
        lines.append(f"| {measure} | {value / 1000:,.0f}k | {ratio} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--measure", action="append", choices=MEASURES + IN_PROCESS)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--inprocess", action="store_true", help="stub, floor, mock and fixture")
    parser.add_argument("--child", choices=MEASURES + IN_PROCESS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.count)
        return 0
    if shutil.which("valgrind") is None:
        print("bench.instructions: valgrind is not installed", file=sys.stderr)
        return 2
    measures = args.measure or (IN_PROCESS if args.inprocess else MEASURES)
    baseline = "stub" if set(measures) <= set(IN_PROCESS) else "bare"
    print(table(measures, args.count, baseline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
