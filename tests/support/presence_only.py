"""A server that serves the three presence operations and nothing else, faithfully.

What a team's own gateway in front of RingCentral (or a thin proxy, or another mock) may be: the
login, reading one extension's presence or a batch, reading the account's, and updating one;
every other route answers a plain 404 that is no RingCentral error. Built as the emulator's app
behind a filter, so what it does serve is the emulator's answer, byte for byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from mockserver.config import Settings
from mockserver.web.app import create_app

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

SERVED = (
    ("POST", re.compile(r"/restapi/oauth/(token|revoke)")),
    ("GET", re.compile(r"/restapi/v1\.0/account/[^/]+/extension/[^/]+/presence")),  # one, batch
    ("PUT", re.compile(r"/restapi/v1\.0/account/[^/]+/extension/[^/,]+/presence")),
    ("GET", re.compile(r"/restapi/v1\.0/account/[^/]+/presence")),
)


def served(method: str, path: str) -> bool:
    return any(method == want and rule.fullmatch(path) for want, rule in SERVED)


def presence_only_app(settings: Settings | None = None) -> WsgiApp:
    """The emulator's app for `settings`, answering only the presence operations."""
    app = create_app(settings or Settings())

    def filtered(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if served(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")):
            return app(environ, start_response)  # type: ignore[no-any-return]
        body = json.dumps({"message": "Not Found"}).encode()
        start_response(
            "404 Not Found",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return filtered
