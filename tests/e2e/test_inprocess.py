"""The in-process mode judged from child processes: a client's suite run by pytest fails where
the platform would refuse, and the kit against a real server never imports the emulator."""

from __future__ import annotations

import subprocess
import sys

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
