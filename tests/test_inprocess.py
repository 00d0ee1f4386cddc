"""In-process mode: PresenceMock behind `responses`, the official SDK unchanged, and the
`presence_mock` fixture catching a client that sends what the platform refuses."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from ringcentral import SDK

from mockserver import PresenceMock
from mockserver.inprocess.mock import SANDBOX
from tests.live_server import free_port

ME = "/restapi/v1.0/account/~/extension/~/presence"


def sdk_platform(mock: PresenceMock, server: str = "https://platform.ringcentral.com"):
    creds = mock.credentials
    platform = SDK(creds["clientId"], creds["clientSecret"], server).platform()
    platform.login(jwt=creds["jwt"])
    return platform


def test_the_official_sdk_works_unchanged():
    with PresenceMock() as mock:
        platform = sdk_platform(mock)
        me = platform.get(ME, {"detailedTelephonyState": True}).json_dict()
        assert me["presenceStatus"] in {"Available", "Busy", "Offline"}
        page = platform.get("/restapi/v1.0/account/~/presence", {"perPage": 3}).json_dict()
        ids = [r["extension"]["id"] for r in page["records"]]
        parts = platform.get(
            f"/restapi/v1.0/account/~/extension/{','.join(map(str, ids))}/presence"
        )
        assert [p.json_dict()["extension"]["id"] for p in parts.multipart()] == ids
        answer = platform.put(ME, {"userStatus": "Offline", "message": "out"}).json_dict()
        assert (answer["presenceStatus"], platform.get(ME).json_dict()["message"]) == (
            "Offline",
            "out",
        )
        platform.logout()
        assert mock.violations == []
        assert [e["path"] for e in mock.requests][-1] == "/restapi/oauth/revoke"


def test_the_sandbox_url_is_served_too_and_state_is_per_mock():
    with PresenceMock() as mock:
        sdk_platform(mock, SANDBOX).put(ME, {"message": "sandbox"})
    with PresenceMock() as fresh:
        assert sdk_platform(fresh, SANDBOX).get(ME).json_dict()["message"] != "sandbox"


def test_decorator_and_reset():
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens there: no lookup, a refusal
    mock = PresenceMock(base)

    @mock
    def call() -> int:
        return requests.get(f"{base}/restapi/v1.0/account/~/presence").status_code

    assert call() == 401
    assert len(mock.requests) == 1
    mock.reset()
    assert mock.requests == []
    with pytest.raises(requests.ConnectionError):  # stopped: nothing intercepted any more
        requests.get(f"{base}/restapi/v1.0/account/~/presence", timeout=1)


def test_fixture_records_what_a_client_sends(presence_mock):
    platform = sdk_platform(presence_mock)
    platform.get("/restapi/v1.0/account/~/presence", {"perPage": 5})
    assert [e["verdict"] for e in presence_mock.requests] == ["ok", "ok"]
    assert set(presence_mock.credentials) == {"clientId", "clientSecret", "jwt"}


CLIENT_SUITE = """
from ringcentral import SDK

def platform(mock):
    c = mock.credentials
    p = SDK(c["clientId"], c["clientSecret"], "https://platform.ringcentral.com").platform()
    p.login(jwt=c["jwt"])
    return p

def test_client_pages_with_zero(presence_mock):
    try:
        platform(presence_mock).get("/restapi/v1.0/account/~/presence", {"perPage": -5})
    except Exception:
        pass  # a client that swallows the error: the fixture still catches it

def test_client_sets_away(presence_mock):
    platform(presence_mock).put(
        "/restapi/v1.0/account/~/extension/~/presence", {"userStatus": "Away"}
    )

def test_client_is_fine(presence_mock):
    platform(presence_mock).get("/restapi/v1.0/account/~/extension/~/presence")

def test_client_checks_its_error_handling(presence_mock):
    presence_mock.expect_refused = True
    try:
        platform(presence_mock).get("/restapi/v1.0/account/~/presence", {"page": "x"})
    except Exception:
        pass
"""


def test_presence_mock_fails_a_client_the_platform_would_refuse(pytester):
    pytester.makepyfile(test_client=CLIENT_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    # The PUT test fails on the SDK's exception too; the fixture adds a teardown error to both.
    result.assert_outcomes(passed=3, failed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*presence_mock: the client sent 1 request(s) the platform would refuse:",
            "*GET /restapi/v1.0/account/~/presence?perPage=-5 -> 400",
            "*perPage: positive-integer: found '-5'*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*PUT /restapi/v1.0/account/~/extension/~/presence -> 400",
            "*userStatus: enum: found 'Away'*",
        ]
    )


def test_the_kit_against_a_real_server_never_imports_the_emulator():
    code = (
        "import sys, presence_mock_kit.plugin, presence_mock_kit.client, "
        "presence_mock_kit.findings, presence_mock_kit.checks, mockserver.inprocess.pytest_plugin; "
        "found = {'werkzeug', 'gunicorn', 'responses', 'mockserver.emulator'} & set(sys.modules); "
        "assert not found, found"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
