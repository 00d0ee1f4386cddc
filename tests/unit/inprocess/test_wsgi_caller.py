"""The in-process mode calls the Flask app as a WSGI server would: the environ built straight from
the `requests` request (path, repeated query keys, headers, a body of any bytes) and the answer
taken back whole (status, every header, repeated ones included, the body chunks), with no test
client between."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Response, request
from werkzeug.wrappers import Request

from mockserver.inprocess import PresenceMock
from mockserver.inprocess.wsgi import WsgiCaller
from tests.support.apps import AUTHORIZE, CALLBACK, authorize_query, fixture_with_public_app

BASE = "https://platform.ringcentral.com"
Environ = dict[str, Any]


def prepared(method: str, url: str, **kwargs: Any) -> requests.PreparedRequest:
    return requests.Request(method, url, **kwargs).prepare()


def seen_by(call: requests.PreparedRequest) -> tuple[Environ, bytes]:
    """The environ an app got for `call`, and the body werkzeug reads from it."""
    got: list[tuple[Environ, bytes]] = []

    def app(environ: Environ, start_response: Callable[..., Any]) -> list[bytes]:
        got.append((dict(environ), Request(environ).get_data()))
        start_response("204 No Content", [])
        return []

    WsgiCaller(app, {"marker": True})(call)
    return got[0]


def test_the_environ_is_what_a_server_would_hand_the_app() -> None:
    url = "https://api.presence-mock.test:8443/a%20b/%FF?x=1&x=2&y=%C3%A9"
    body = b"\x00\xff\xfe not utf-8"
    call = prepared(
        "POST", url, data=body, headers={"Content-Type": "application/octet-stream", "X-Two": "v"}
    )
    environ, read = seen_by(call)
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["PATH_INFO"] == "/a b/\xff"  # percent-decoded bytes, read as latin-1
    assert environ["QUERY_STRING"] == "x=1&x=2&y=%C3%A9"
    assert environ["RAW_URI"] == "/a%20b/%FF?x=1&x=2&y=%C3%A9"
    assert environ["SCRIPT_NAME"] == ""
    assert (environ["wsgi.url_scheme"], environ["SERVER_NAME"], environ["SERVER_PORT"]) == (
        "https",
        "api.presence-mock.test",
        "8443",
    )
    assert environ["HTTP_HOST"] == "api.presence-mock.test:8443"
    assert environ["CONTENT_TYPE"] == "application/octet-stream"
    assert environ["CONTENT_LENGTH"] == str(len(body))
    assert "HTTP_CONTENT_TYPE" not in environ and "HTTP_CONTENT_LENGTH" not in environ
    assert environ["HTTP_X_TWO"] == "v"
    assert environ["marker"] is True and environ["wsgi.input_terminated"] is True
    assert read == body


def test_the_default_port_and_a_host_header_of_the_clients_own() -> None:
    environ, _ = seen_by(prepared("GET", "https://api.presence-mock.test/x"))
    assert (environ["SERVER_PORT"], environ["HTTP_HOST"]) == ("443", "api.presence-mock.test")
    assert "CONTENT_LENGTH" not in environ and "wsgi.input_terminated" not in environ
    environ, _ = seen_by(prepared("GET", "http://a.test/", headers={"Host": "b.test"}))
    assert (environ["SERVER_PORT"], environ["HTTP_HOST"]) == ("80", "b.test")


def test_a_streamed_body_reaches_the_app_whole() -> None:
    # requests sends a generator chunked; the app reads all of it, as from a server that did.
    call = prepared("PUT", "https://a.test/up", data=iter([b"ab", b"\xff", b"cd"]))
    assert call.headers["Transfer-Encoding"] == "chunked"
    _, read = seen_by(call)
    assert read == b"ab\xffcd"


def test_the_answer_comes_back_whole_and_the_body_is_closed() -> None:
    closed: list[bool] = []

    class Chunks:
        def __iter__(self) -> Iterator[bytes]:
            yield b"one,"
            yield b"two"

        def close(self) -> None:
            closed.append(True)

    def app(environ: Environ, start_response: Callable[..., Any]) -> Chunks:
        write = start_response("207 Multi-Status", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        write(b"zero,")
        return Chunks()

    status, headers, body = WsgiCaller(app)(prepared("GET", "https://a.test/"))
    assert (status, body, closed) == (207, b"zero,one,two", [True])
    assert headers == [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]


def test_an_error_while_the_body_is_read_reaches_the_caller_and_closes_it() -> None:
    closed: list[bool] = []

    class Broken:
        def __iter__(self) -> Iterator[bytes]:
            yield b"part"
            raise ConnectionResetError("cut")

        def close(self) -> None:
            closed.append(True)

    def app(environ: Environ, start_response: Callable[..., Any]) -> Broken:
        start_response("200 OK", [])
        return Broken()

    with pytest.raises(ConnectionResetError):
        WsgiCaller(app)(prepared("GET", "https://a.test/"))
    assert closed == [True]


# -- through PresenceMock, on routes of the test's own beside the emulator's ---------------------
@pytest.fixture
def mock() -> Iterator[PresenceMock]:
    with PresenceMock(BASE) as mock:
        app = mock.app

        @app.route("/echo", methods=["GET", "POST", "HEAD"])
        def echo() -> Response:
            answer = Response(
                json.dumps({"x": request.args.getlist("x"), "body": request.get_data().hex()}),
                mimetype="application/json",
            )
            answer.headers.add("Set-Cookie", "first=1; Path=/")
            answer.headers.add("Set-Cookie", "second=2; Path=/")
            return answer

        @app.route("/binary")
        def binary() -> Response:
            return Response(bytes(range(256)), mimetype="application/octet-stream")

        yield mock


def test_repeated_query_keys_binary_bodies_and_every_cookie(mock: PresenceMock) -> None:
    with requests.Session() as session:
        answer = session.post(f"{BASE}/echo?x=1&x=2", data=b"\xff\x00", timeout=5)
        assert answer.json() == {"x": ["1", "2"], "body": "ff00"}
        assert session.cookies.get_dict() == {"first": "1", "second": "2"}
        assert session.get(f"{BASE}/binary", timeout=5).content == bytes(range(256))
        head = session.head(f"{BASE}/echo", timeout=5)
        assert (head.status_code, head.content) == (200, b"")
        assert int(head.headers["Content-Length"]) > 0


def test_the_authorize_endpoint_redirects_to_the_callback(tmp_path: Path) -> None:
    with PresenceMock(BASE, fixture=fixture_with_public_app(tmp_path)):
        answer = requests.get(
            BASE + AUTHORIZE, params=authorize_query(), allow_redirects=False, timeout=5
        )
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(CALLBACK + "?code=")
    assert "state=s1" in answer.headers["Location"]


def test_a_long_query_counts_towards_the_uri_limit_as_on_a_server(mock: PresenceMock) -> None:
    # The limit is on the path and query as sent; the query alone is past it here.
    answer = requests.get(f"{BASE}/echo?x={'a' * 4000}", timeout=5)
    assert answer.status_code == 414
    assert "URI is longer" in answer.json()["message"]
    assert requests.get(f"{BASE}/echo?x={'a' * 100}", timeout=5).status_code == 200
