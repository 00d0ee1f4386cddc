"""The baseline: a bare Flask route with a constant body, served exactly as `presence-mock serve`.

`python -m bench.bare_app --body-bytes N serve --port P [...]` replaces the emulator's app factory
with one that builds this app, then runs the real `presence-mock` command line. So whatever
server, worker count and options `serve` uses (werkzeug threads today, gunicorn with --workers
when the CLI has it), the baseline runs on the very same one; only the app differs.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

from flask import Flask, Response

BARE_PATH = "/bare"


def bare_app(body_bytes: int) -> Flask:
    # A JSON-looking constant of the requested size, so the bytes on the wire match ours.
    filler = max(body_bytes - len('{"pad":""}'), 0)
    body = ('{"pad":"' + "x" * filler + '"}').encode()
    app = Flask("bare")

    @app.get(BARE_PATH)
    def bare() -> Response:
        return Response(body, mimetype="application/json")

    # The bench waits for this, as it does for the emulator.
    @app.get("/_mock/health")
    def health() -> Response:
        return Response(b'{"status":"ok"}', mimetype="application/json")

    return app


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2 or argv[0] != "--body-bytes":
        usage = "usage: python -m bench.bare_app --body-bytes N serve [serve options]"
        print(usage, file=sys.stderr)
        return 2
    body_bytes = int(argv[1])

    import mockserver.web.app
    from mockserver.web.context import EXTENSION

    real_factory = mockserver.web.app.create_app

    def factory(config: Any = None) -> Flask:
        # The emulator is built as `serve` builds it, so the gateway process and the start-up
        # steps run for both; only the routes the server calls differ (no hooks, no emulator).
        app = bare_app(body_bytes)
        app.extensions[EXTENSION] = real_factory(config).extensions[EXTENSION]
        return app

    # Patch before the CLI module is imported, so an import of create_app at import time or at
    # call time both pick up the baseline.
    mockserver.web.app.create_app = factory  # type: ignore[assignment]
    cli = importlib.import_module("mockserver.cli.main")  # the module, not the package's main()
    if hasattr(cli, "create_app"):
        cli.create_app = factory
    return cli.main(list(argv[2:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
