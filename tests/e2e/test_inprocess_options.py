"""The in-process mode's pytest marker, judged by running pytest in a child process: it shapes
the `presence_mock` fixture per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.receivers import hello_server


@pytest.fixture
def real_server() -> Iterator[str]:
    with hello_server() as url:
        yield url


MARKED = """
import pytest, requests

ACCOUNT = "https://platform.ringcentral.com/restapi/v1.0/account/~/presence"


def token(mock):
    c = mock.credentials
    return requests.post(
        "https://platform.ringcentral.com/restapi/oauth/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": c["jwt"]},
        auth=(c["clientId"], c["clientSecret"]),
    ).json()["access_token"]


@pytest.mark.presence_mock(seed=7, strict_requests=True, expect_refused=True,
                           passthrough=["REAL"])
def test_shaped(presence_mock):
    assert presence_mock.settings.seed == 7
    headers = {"Authorization": "Bearer " + token(presence_mock)}
    assert requests.get(ACCOUNT + "?perpage=1", headers=headers).status_code == 400
    assert requests.get("REAL").text == "hello"


@pytest.mark.presence_mock(strict_requests=True)
def test_refused_without_expecting_it_fails(presence_mock):
    headers = {"Authorization": "Bearer " + token(presence_mock)}
    requests.get(ACCOUNT + "?perpage=1", headers=headers)


def test_unmarked_is_the_default(presence_mock):
    assert presence_mock.settings.seed == 20261121
"""


def test_the_marker_shapes_the_fixture_per_test(pytester: pytest.Pytester, real_server: str):
    pytester.makepyfile(MARKED.replace("REAL", real_server))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers")
    # the second test passes its call and fails at teardown on the refused request
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*the client sent 1 request(s) the platform would refuse*"])
