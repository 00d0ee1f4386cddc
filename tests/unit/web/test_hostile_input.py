"""Crafted input is a 4xx in the platform's shape, never a 5xx; the emulator's own limits (URI,
headers, body, JSON depth) answer in that shape too; no response splitting (decisions ERR-9 to
ERR-11)."""

from __future__ import annotations

import pytest

from mockserver.platform.credentials import credential_jwt
from mockserver.platform.tokens import JWT_GRANT
from mockserver.web.limits import MAX_BODY_BYTES, MAX_URI_BYTES
from tests.support.login import basic_auth, login

API = "/restapi/v1.0/account/~"
ME = f"{API}/extension/~/presence"
TOKEN = "/restapi/oauth/token"
AUTHORIZE = "/restapi/oauth/authorize"
THOUSANDS = "9" * 5000  # past int()'s 4300-digit limit: a ValueError where int() meets it
LONG = "9" * 3900  # as long as a number in a URI can be (MAX_URI_BYTES)


@pytest.fixture
def api(client, directory):
    return login(client, directory, directory.accounts[0].administrator)


def platform_error(answer, status: int | None = None) -> dict:
    assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)[:300]
    if status is not None:
        assert answer.status_code == status
    assert answer.mimetype == "application/json"
    body = answer.get_json()
    assert body["errors"] and "errorCode" in body["errors"][0]
    return body


def oauth_error(answer, status: int = 400) -> dict:
    body = platform_error(answer, status)
    assert set(body) == {"error", "errors", "error_description"}
    return body


@pytest.mark.parametrize("extension", ["²", "1²", "١٢٣", LONG, "1," + LONG])
def test_strange_extension_ids_are_not_found(api, extension):
    answer = api.get(f"{API}/extension/{extension}/presence")
    if "," in extension:  # a batch: the strange ID gets its own 404 part
        assert answer.status_code == 207
        assert b"CMN-102" in answer.get_data()
    else:
        assert platform_error(answer, 404)["errorCode"] == "CMN-102"


@pytest.mark.parametrize("value", ["²", "1²", LONG, "0" * 3900 + "1"])
@pytest.mark.parametrize("name", ["page", "perPage"])
def test_strange_page_numbers_are_cmn_101(api, name, value):
    answer = api.get(f"{API}/presence", **{name: value})
    assert platform_error(answer, 400)["errorCode"] == "CMN-101"


def test_deeply_nested_json_is_cmn_103(api):
    for depth in (40, 30_000):
        answer = api.put(ME, raw=b"[" * depth + b"]" * depth)
        assert platform_error(answer, 400)["errorCode"] == "CMN-103"
        answer = api.put(ME, raw=b'{"message": ' + b"[" * depth + b"]" * depth + b"}")
        assert platform_error(answer, 400)["errorCode"] == "CMN-103"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", f"{API}/extension/~/call-queue-presence"),
        ("PATCH", f"{API}/extension/~/unified-presence"),
    ],
)
def test_deeply_nested_json_to_the_newer_operations_is_cmn_103(api, method, path):
    for depth in (40, 30_000):
        answer = api.client.open(
            path, method=method, data=b"[" * depth + b"]" * depth, headers=api.headers()
        )
        assert platform_error(answer, 400)["errorCode"] == "CMN-103"


def test_a_huge_integer_in_a_body_is_not_a_500(api):
    answer = api.put(ME, raw=b'{"userStatus": ' + THOUSANDS.encode() + b"}")
    assert platform_error(answer, 400)["errorCode"] == "CMN-103"


@pytest.mark.parametrize("ttl", ["²", "3²", THOUSANDS, "-5", "1e9", "0" * 5000 + "700"])
def test_strange_ttls_are_clamped_or_ignored(client, directory, ttl):
    answer = client.post(
        TOKEN,
        data={
            "grant_type": JWT_GRANT,
            "assertion": credential_jwt(directory.accounts[0].administrator),
            "access_token_ttl": ttl,
            "refresh_token_ttl": ttl,
        },
        headers={"Authorization": basic_auth(directory)},
    )
    assert answer.status_code == 200
    assert 600 <= answer.get_json()["expires_in"] <= 3600


@pytest.mark.parametrize("hint", ["²", "1²", LONG, "+1²"])
def test_strange_login_hints_are_redirected_access_denied(client, directory, hint):
    answer = client.get(
        AUTHORIZE,
        query_string={
            "response_type": "code",
            "client_id": directory.apps[0].client_id,
            "redirect_uri": "https://app.example/cb",
            "login_hint": hint,
        },
    )
    assert answer.status_code == 302
    assert "error=access_denied" in answer.headers["Location"]


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://app.example/cb\r\nSet-Cookie: stolen=1",
        "https://app.example/cb\nX-Injected: 1",
        "https://app.example/c b",
        "https://app.example/cé",
        "http://[::1/cb",
    ],
)
def test_a_redirect_uri_that_cannot_go_into_a_header_is_refused(client, directory, redirect_uri):
    answer = client.get(
        AUTHORIZE,
        query_string={
            "response_type": "code",
            "client_id": directory.apps[0].client_id,
            "redirect_uri": redirect_uri,
        },
    )
    body = oauth_error(answer)
    assert body["error"] == "invalid_request"
    assert "Location" not in answer.headers
    assert all("\n" not in value and "\r" not in value for _, value in answer.headers.items())


def test_an_overlong_uri_is_414(client):
    answer = client.get(ME + "?x=" + "a" * MAX_URI_BYTES)
    assert platform_error(answer, 414)["errorCode"] == "CMN-101"


def test_overlarge_headers_are_431(client):
    answer = client.get(ME, headers={"X-Big": "a" * 9000})
    assert platform_error(answer, 431)["errorCode"] == "CMN-101"
    many = {f"X-H{i}": "v" for i in range(120)}
    assert platform_error(client.get(ME, headers=many), 431)


def test_an_overlarge_body_is_413_in_the_platforms_shape(api):
    answer = api.put(ME, raw=b" " * (MAX_BODY_BYTES + 1))
    assert platform_error(answer, 413)["errorCode"] == "CMN-101"


def test_an_overlarge_token_request_is_413_in_the_oauth_shape(client, directory):
    answer = client.post(
        TOKEN,
        data={"grant_type": "password", "username": "x" * MAX_BODY_BYTES},
        headers={"Authorization": basic_auth(directory)},
    )
    assert oauth_error(answer, 413)["error"] == "invalid_request"


def test_deep_json_to_the_clock_is_cmn_103(client):
    answer = client.post("/_mock/clock", data=b"[" * 60_000, content_type="application/json")
    assert platform_error(answer, 400)["errorCode"] == "CMN-103"
