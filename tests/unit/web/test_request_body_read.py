"""A request's body is read for the rules and the journal only when it has one: a length, or a
chunked body (which the server marks terminated). granian marks every request terminated, so a
GET without a body must not read its stream; a chunked PUT still is read and judged."""

from __future__ import annotations

import io
from typing import Any

from mockserver import create_app
from tests.support.login import login

API = "/restapi/v1.0/account/~"


class Unreadable(io.BytesIO):
    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body of a request without one was read")

    readinto = readline = read  # type: ignore[assignment]


def _call(app: Any, environ: dict[str, Any]) -> str:
    status: list[str] = []
    chunks = app(environ, lambda s, h, e=None: status.append(s))
    b"".join(chunks)
    return status[0]


def test_a_get_marked_terminated_without_a_body_is_not_read_and_a_chunked_put_is() -> None:
    app = create_app()
    directory = app.extensions["presence_mock"].directory
    token = login(app.test_client(), directory, directory.accounts[0].administrator).token
    base = {
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "HTTP_HOST": "127.0.0.1:8080",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.input_terminated": True,  # as granian sets it on every request
    }
    get = {**base, "REQUEST_METHOD": "GET", "PATH_INFO": f"{API}/extension/~/presence"}
    assert _call(app, {**get, "wsgi.input": Unreadable()}).startswith("200")
    body = b'{"userStatus":"Bogus"}'
    put = {
        **base,
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": f"{API}/extension/~/presence",
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(body),
    }
    assert _call(app, put).startswith("400")  # read, and its bad value refused
    [entry] = [e for e in app.extensions["presence_mock"].journal.entries() if e["method"] == "PUT"]
    assert entry["verdict"] == "violation" and "Bogus" in entry["body"]
