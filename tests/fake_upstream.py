"""A deliberately different upstream for the record/replay/drift tests: the emulator's own app,
changed in known ways on the wire, served on a loopback port by werkzeug in a thread.

Its differences from the emulator (what drift must report, and nothing else):
* readUserPresenceStatus: an extra field `presenceSource` (a string) and `telephonyStatus`
  "Unknown" where the emulator says "NoCall";
* readAccountInfo: `id` as a string;
* every answer: a header `X-Upstream-Version`;
* a 404: errorCode `XYZ-404` instead of CMN-102.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from mockserver.config import Settings
from mockserver.web.app import create_app
from tests.broken_servers import serving_wsgi

WSGIEnviron = dict[str, Any]


class Different:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, environ: WSGIEnviron, start_response: Any) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.inner(environ, capture))
        status: str = captured["status"]
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("X-Upstream-Version", "2"))
        kind = dict((k.lower(), v) for k, v in headers).get("content-type", "")
        if kind.startswith("application/json") and body:
            data = json.loads(body)
            body = json.dumps(self._changed(environ, status, data)).encode()
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    @staticmethod
    def _changed(environ: WSGIEnviron, status: str, data: Any) -> Any:
        path = environ["PATH_INFO"]
        if status.startswith("404") and isinstance(data, dict):
            data["errorCode"] = "XYZ-404"
            data["errors"][0]["errorCode"] = "XYZ-404"
        elif path.endswith("/presence") and "/extension/" in path and isinstance(data, dict):
            data["presenceSource"] = "Desk"
            if data.get("telephonyStatus") == "NoCall":
                data["telephonyStatus"] = "Unknown"
        elif path.rstrip("/").count("/") == 4 and path.startswith("/restapi/v1.0/account/"):
            data["id"] = str(data["id"])
        return data


@contextmanager
def fake_upstream() -> Iterator[str]:
    app = create_app(Settings(validate_responses=False))
    with serving_wsgi(Different(app.wsgi_app)) as url:
        yield url
