"""`presence-mock record`: a proxy in front of a real server that writes what passed through.

A Flask app with one catch-all view forwards each request with `requests` (method, path, query,
headers but the hop-by-hop ones, body) and hands the answer back unchanged; the exchange goes
to the recording scrubbed (scrub.py), the file rewritten after each one, so a killed proxy
leaves a whole recording.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from flask import Flask, Response, request

from mockserver.recording.exchange import FORMAT_VERSION, body_of, operation_of, save
from mockserver.recording.scrub import Scrubber

# Not forwarded either way (RFC 9110 7.6.1), plus what `requests` and Flask set themselves.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "accept-encoding",
        "content-encoding",
    }
)
TIMEOUT = 60.0


class Recorder:
    def __init__(self, target: str, out: str, scrubber: Scrubber | None = None) -> None:
        self.target = target.rstrip("/")
        self.out = out
        self.scrubber = scrubber or Scrubber()
        self.exchanges: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._session = requests.Session()
        self._save()

    def forward(self) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        data = request.get_data()
        answer = self._session.request(
            request.method,
            self.target + request.path,
            params=request.args.to_dict(flat=False),
            headers=headers,
            data=data,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        returned = [(k, v) for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP]
        self._record(headers, data, answer)
        return Response(answer.content, answer.status_code, returned)

    def _record(self, headers: dict[str, str], data: bytes, answer: requests.Response) -> None:
        with self._lock:  # one scrubber: stand-ins are handed out in order
            scrub = self.scrubber
            exchange = {
                "operation": operation_of(request.method, request.path),
                "request": {
                    "method": request.method,
                    "path": scrub.text(request.path),
                    "query": scrub.query(request.args.to_dict(flat=False)),
                    "headers": {k: scrub.header(k, v) for k, v in headers.items()},
                    "body": _scrubbed_body(scrub, body_of(request.content_type, data)),
                },
                "response": {
                    "status": answer.status_code,
                    "headers": {k: scrub.header(k, v) for k, v in answer.headers.items()},
                    "body": _scrubbed_body(
                        scrub, body_of(answer.headers.get("Content-Type"), answer.content)
                    ),
                },
            }
            self.exchanges.append(exchange)
            self._save()

    def _save(self) -> None:
        recording = {
            "formatVersion": FORMAT_VERSION,
            "target": self.target,
            "exchanges": self.exchanges,
        }
        save(self.out, recording)


def _scrubbed_body(scrub: Scrubber, body: Any) -> Any:
    if isinstance(body, dict) and set(body) == {"form"}:
        return {"form": scrub.query(body["form"])}
    return scrub.json(body)


def proxy_app(recorder: Recorder) -> Flask:
    app = Flask("presence_mock_record", static_folder=None)
    app.url_map.merge_slashes = False
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    app.add_url_rule("/", "forward", recorder.forward, methods=methods)
    app.add_url_rule(
        "/<path:anything>", "forward_path", lambda anything: recorder.forward(), methods=methods
    )
    return app
