"""In-process mode users can shape (issue 11, item 6): account, strict requests, rate-limit
mode, pass-through URLs and the emulator's log, on `PresenceMock(...)` and per test through
`@pytest.mark.presence_mock(...)`."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from mockserver import PresenceMock
from mockserver.inprocess.mock import PRODUCTION
from tests.support.paths import REPO

ACCOUNT = PRODUCTION + "/restapi/v1.0/account/~/presence"


def bearer(mock: PresenceMock) -> dict[str, str]:
    c = mock.credentials
    answer = requests.post(
        PRODUCTION + "/restapi/oauth/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": c["jwt"]},
        auth=(c["clientId"], c["clientSecret"]),
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def real_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_seed_and_fixture_choose_the_account(tmp_path: Path) -> None:
    assert PresenceMock(seed=7).credentials != PresenceMock().credentials
    fixture = REPO / "fixtures" / "default-account.json"
    with PresenceMock(fixture=fixture) as mock:
        page = requests.get(ACCOUNT, headers=bearer(mock), timeout=5).json()
    expected = json.loads(fixture.read_text())["accounts"][0]["extensions"]
    assert page["paging"]["totalElements"] == len(expected)


def test_strict_requests_refuse_what_the_platform_would() -> None:
    with PresenceMock() as lenient:
        assert requests.get(ACCOUNT + "?perpage=5", headers=bearer(lenient)).status_code == 200
    with PresenceMock(strict_requests=True) as strict:
        answer = requests.get(ACCOUNT + "?perpage=5", headers=bearer(strict), timeout=5)
    assert answer.status_code == 400 and answer.json()["parameterName"] == "perpage"


def test_rate_limit_mode_and_overrides() -> None:
    with PresenceMock(rate_limits="enforce", rate_limit="heavy=1/60") as mock:
        headers = bearer(mock)
        statuses = [requests.get(ACCOUNT, headers=headers, timeout=5).status_code for _ in "12"]
    assert statuses == [200, 429]
    with PresenceMock(rate_limits="off") as mock:
        answer = requests.get(ACCOUNT, headers=bearer(mock), timeout=5)
    assert "X-Rate-Limit-Group" not in answer.headers


def test_other_traffic_is_refused_unless_let_through(real_server: str) -> None:
    with PresenceMock(), pytest.raises(requests.ConnectionError):
        requests.get(real_server, timeout=5)
    with PresenceMock(passthrough=[real_server]) as mock:
        assert requests.get(real_server, timeout=5).text == "hello"
        # the emulator's own URLs are still emulated
        assert requests.get(ACCOUNT, headers=bearer(mock), timeout=5).status_code == 200
    with PresenceMock(passthrough=True):
        assert requests.get(real_server, timeout=5).text == "hello"


def test_a_bad_option_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="rate-limits"):
        PresenceMock(rate_limits="sometimes")


def test_log_false_keeps_the_emulator_out_of_the_captured_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="presence_mock")
    with PresenceMock(log=False) as mock:
        bearer(mock)
    assert [r for r in caplog.records if r.name == "presence_mock"] == []
    assert not logging.getLogger("presence_mock").disabled  # restored at stop
    with PresenceMock() as mock:
        bearer(mock)
    assert any("/restapi/oauth/token" in r.getMessage() for r in caplog.records)


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
