"""End to end under `--rate-limits enforce`: the official Python SDK logs in with a JWT, a
password and an authorization code (PKCE), refreshes, runs into a 429 and logs out; the clock is
moved over HTTP to expire a token."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from ringcentral import SDK
from ringcentral.http.api_exception import ApiException

from tests.support.live_server import COMMAND, serving

LISTING = "/restapi/v1.0/account/~/presence"
ME = "/restapi/v1.0/account/~/extension/~/presence"


@pytest.fixture
def server(tmp_path) -> Iterator[str]:
    with serving(tmp_path, "--rate-limits", "enforce") as url:
        yield url


@pytest.fixture(scope="module")
def credentials() -> dict:
    printed = subprocess.run([COMMAND, "credentials", "--json"], capture_output=True, check=True)
    return json.loads(printed.stdout)


def signed_out_platform(url: str, credentials: dict):
    """The SDK's platform for the demo app, not logged in yet (the test logs in)."""
    return SDK(credentials["clientId"], credentials["clientSecret"], url).platform()


def refused(url: str, token: str) -> str:
    answer = requests.get(url + ME, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert answer.status_code == 401
    return answer.json()["errorCode"]


def test_sdk_login_refresh_429_logout(server, credentials):
    platform = signed_out_platform(server, credentials)
    platform.login(jwt=credentials["jwt"])
    first = platform.auth().data()
    platform.refresh()
    second = platform.auth().data()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert platform.get(ME).json_dict()["extension"]["id"] == int(first["owner_id"])
    # The used refresh token is dead.
    answer = requests.post(
        server + "/restapi/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(credentials["clientId"], credentials["clientSecret"]),
        timeout=5,
    )
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")

    # Heavy: 10 account reads a minute; the 11th is refused with Retry-After.
    for _ in range(10):
        assert platform.get(LISTING, {"perPage": 1}).response().status_code == 200
    with pytest.raises(ApiException) as caught:
        platform.get(LISTING, {"perPage": 1})
    response = caught.value.api_response().response()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert response.headers["X-Rate-Limit-Group"] == "heavy"
    assert response.json()["errorCode"] == "CMN-301"
    assert platform.get(ME).response().status_code == 200  # Light is another window

    token = platform.auth().access_token()
    platform.logout()
    assert refused(server, token) == "OAU-213"


def test_sdk_password_login_and_clock_expiry(server, credentials):
    user = next(u for u in credentials["users"] if not u["admin"])
    platform = signed_out_platform(server, credentials)
    with pytest.warns(UserWarning, match="deprecated"):  # the SDK's own note on ROPC
        platform.login(username=user["username"], password=user["password"])
    assert platform.get(ME).json_dict()["extension"]["id"] == user["extensionId"]
    token = platform.auth().access_token()
    moved = requests.post(server + "/_mock/clock", json={"advance": 3600}, timeout=5)
    assert moved.json()["offset"] == 3600
    assert refused(server, token) == "OAU-128"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_sdk_authorization_code_with_pkce(server, credentials):
    user = next(u for u in credentials["users"] if not u["admin"])
    platform = signed_out_platform(server, credentials)
    callback = "http://127.0.0.1/callback"
    verifier = "a-verifier-of-at-least-forty-three-characters-0123456789"
    # The query `platform.login_url` would build; in ringcentral 0.9.2 it raises NameError
    # (platform.py uses urllib without importing it), so the browser's request is made here.
    query = {
        "response_type": "code",
        "client_id": credentials["clientId"],
        "redirect_uri": callback,
        "state": "st",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        "login_hint": user["extensionId"],
    }
    answer = requests.get(
        server + "/restapi/oauth/authorize", params=query, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302
    params = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert params["state"] == ["st"]
    platform.login(code=params["code"][0], redirect_uri=callback, verifier=verifier)
    assert platform.get(ME).json_dict()["extension"]["id"] == user["extensionId"]
    platform.logout()
