"""In-process mode users can shape (decision KIT-13): account, strict requests, rate-limit
mode, pass-through URLs and the emulator's log, on `PresenceMock(...)` and per test through
`@pytest.mark.presence_mock(...)`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mockserver import PresenceMock
from mockserver.inprocess.mock import PRODUCTION
from tests.support.login import login_headers
from tests.support.paths import REPO
from tests.support.receivers import hello_server

ACCOUNT = PRODUCTION + "/restapi/v1.0/account/~/presence"


@pytest.fixture
def real_server() -> Iterator[str]:
    with hello_server() as url:
        yield url


def test_seed_and_fixture_choose_the_account(tmp_path: Path) -> None:
    assert PresenceMock(seed=7).credentials != PresenceMock().credentials
    fixture = REPO / "fixtures" / "default-account.json"
    with PresenceMock(fixture=fixture) as mock:
        page = requests.get(
            ACCOUNT, headers=login_headers(PRODUCTION, mock.credentials), timeout=5
        ).json()
    expected = json.loads(fixture.read_text())["accounts"][0]["extensions"]
    assert page["paging"]["totalElements"] == len(expected)


def test_strict_requests_refuse_what_the_platform_would() -> None:
    with PresenceMock() as lenient:
        assert (
            requests.get(
                ACCOUNT + "?perpage=5", headers=login_headers(PRODUCTION, lenient.credentials)
            ).status_code
            == 200
        )
    with PresenceMock(strict_requests=True) as strict:
        answer = requests.get(
            ACCOUNT + "?perpage=5", headers=login_headers(PRODUCTION, strict.credentials), timeout=5
        )
    assert answer.status_code == 400 and answer.json()["parameterName"] == "perpage"


def test_rate_limit_mode_and_overrides() -> None:
    with PresenceMock(rate_limits="enforce", rate_limit="heavy=1/60") as mock:
        headers = login_headers(PRODUCTION, mock.credentials)
        statuses = [requests.get(ACCOUNT, headers=headers, timeout=5).status_code for _ in "12"]
    assert statuses == [200, 429]
    with PresenceMock(rate_limits="off") as mock:
        answer = requests.get(
            ACCOUNT, headers=login_headers(PRODUCTION, mock.credentials), timeout=5
        )
    assert "X-Rate-Limit-Group" not in answer.headers


def test_other_traffic_is_refused_unless_let_through(real_server: str) -> None:
    with PresenceMock(), pytest.raises(requests.ConnectionError):
        requests.get(real_server, timeout=5)
    with PresenceMock(passthrough=[real_server]) as mock:
        assert requests.get(real_server, timeout=5).text == "hello"
        # the emulator's own URLs are still emulated
        assert (
            requests.get(
                ACCOUNT, headers=login_headers(PRODUCTION, mock.credentials), timeout=5
            ).status_code
            == 200
        )
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
        login_headers(PRODUCTION, mock.credentials)
    assert [r for r in caplog.records if r.name == "presence_mock"] == []
    assert not logging.getLogger("presence_mock").disabled  # restored at stop
    with PresenceMock() as mock:
        login_headers(PRODUCTION, mock.credentials)
    assert any("/restapi/oauth/token" in r.getMessage() for r in caplog.records)
