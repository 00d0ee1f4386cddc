"""The WSGI transport reads a request exactly as werkzeug (and so Flask) reads it.

The emulator was served through Flask until issue 5's benchmark; these tests hold the plain
WSGI adapter to what Flask handed the emulator on the same environs.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from mockserver.http import Request
from mockserver.wsgi import EmulatorApp, request_from

API = "/restapi/v1.0/account/~/extension/~/presence"


def _as_flask_saw_it(environ: dict[str, Any]) -> Request:
    """What the Flask transport built from `flask.request` (mockserver/app.py before issue 5)."""
    seen = WerkzeugRequest(environ)
    return Request.build(
        method=seen.method,
        path=seen.path,
        query_string=seen.query_string.decode("latin-1"),
        headers=dict(seen.headers),
        body=seen.get_data(),
        base_url=seen.host_url,
    )


ENVIRONS = {
    "plain GET": EnvironBuilder(path=API, headers={"Authorization": "Bearer abc"}),
    "query with repeats and blanks": EnvironBuilder(
        path=API, query_string="detailedTelephonyState=true&sipData=&x=1&x=2"
    ),
    "percent-encoded UTF-8 path": EnvironBuilder(path="/restapi/v1.0/account/%C3%A9t%C3%A9"),
    "form POST": EnvironBuilder(
        path="/restapi/oauth/token",
        method="POST",
        data={"grant_type": "password", "username": "+1 650"},
        headers={"Authorization": "Basic eDp5"},
    ),
    "JSON PUT": EnvironBuilder(
        path=API, method="PUT", data=b'{"userStatus":"Busy"}', content_type="application/json"
    ),
    "default port dropped": EnvironBuilder(path=API, base_url="http://example.test:80"),
    "other port kept": EnvironBuilder(path=API, base_url="http://example.test:8080"),
    "https": EnvironBuilder(path=API, base_url="https://example.test:443"),
    "lower-case method": EnvironBuilder(path=API, method="put", data=b"{}"),
}


@pytest.mark.parametrize("name", ENVIRONS)
def test_requests_read_as_werkzeug_reads_them(name: str) -> None:
    environ = ENVIRONS[name].get_environ()
    body = environ["wsgi.input"].read()
    ours = request_from({**environ, "wsgi.input": io.BytesIO(body)})
    theirs = _as_flask_saw_it({**environ, "wsgi.input": io.BytesIO(body)})
    assert ours == theirs


def test_a_request_without_host_header_uses_the_server_name() -> None:
    environ = EnvironBuilder(path=API).get_environ()
    del environ["HTTP_HOST"]
    environ.update(SERVER_NAME="10.0.0.7", SERVER_PORT="8081")
    assert request_from(environ) == _as_flask_saw_it(environ)
    assert request_from(environ).base_url == "http://10.0.0.7:8081"


def test_a_chunked_body_is_read_to_its_end() -> None:
    environ = EnvironBuilder(path=API, method="PUT").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": io.BytesIO(b'{"dndStatus":"TakeAllCalls"}')})
    environ["wsgi.input_terminated"] = True
    assert request_from(environ).body == b'{"dndStatus":"TakeAllCalls"}'


def test_answers_carry_status_phrase_length_and_no_body_for_head(emulator: Any) -> None:
    client = EmulatorApp(emulator).test_client()
    answer = client.get("/_mock/health")
    assert answer.status == "200 OK"
    assert answer.headers["Content-Length"] == str(len(answer.data)) != "0"
    assert answer.headers["Content-Type"].startswith("application/json")
    head = client.head("/_mock/health")
    assert head.data == b""
    unknown = client.get("/nowhere")
    assert unknown.status == "404 Not Found"
    assert unknown.get_json()["errors"][0]["errorCode"] == "CMN-102"
