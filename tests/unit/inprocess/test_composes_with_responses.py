"""`PresenceMock` beside a test's own `responses` mocks, in both orders: the official SDK logs
in to the emulator, the test's stubs answer their URLs, and any other URL still fails loudly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from requests.adapters import HTTPAdapter

from mockserver.inprocess import PresenceMock
from tests.support.login import sdk_platform

RINGCENTRAL = "https://platform.ringcentral.com"
CRM = "https://crm.presence-mock.test/contacts/1"
ELSEWHERE = "https://chat.presence-mock.test/messages"
GENUINE = HTTPAdapter.send


def stub_crm(registry: Any) -> None:
    registry.add(responses.GET, CRM, json={"name": "Ada"})


def check_all_three(credentials: dict[str, str]) -> None:
    """The SDK logs in and reads presence; the stub answers; an unstubbed URL is refused."""
    platform = sdk_platform(RINGCENTRAL, credentials)
    own = platform.get("/restapi/v1.0/account/~/extension/~/presence").json_dict()
    assert own["presenceStatus"] in {"Available", "Busy", "Offline"}
    assert requests.get(CRM, timeout=5).json() == {"name": "Ada"}
    with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
        requests.get(ELSEWHERE, timeout=5)


# -- the decorator ---------------------------------------------------------------------------------
@responses.activate
def test_emulator_inside_a_responses_activate_test() -> None:
    stub_crm(responses)
    with PresenceMock() as mock:
        check_all_three(mock.credentials)
    # The test's own mock is still on, and only it: the emulator is gone.
    assert requests.get(CRM, timeout=5).json() == {"name": "Ada"}
    with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
        requests.get(f"{RINGCENTRAL}/restapi/v1.0", timeout=5)


MOCK = PresenceMock()


@MOCK
@responses.activate
def _decorated_inside_the_emulator() -> None:
    stub_crm(responses)
    check_all_three(MOCK.credentials)


def test_responses_activate_inside_the_emulator_decorator() -> None:
    _decorated_inside_the_emulator()
    assert HTTPAdapter.send is GENUINE
    assert not any(  # the emulator's route left the default registry with it
        getattr(route, "pattern", None) is not None for route in responses.mock.registered()
    )


# -- context managers ------------------------------------------------------------------------------
def test_emulator_inside_a_requests_mock() -> None:
    with responses.RequestsMock() as theirs:
        stub_crm(theirs)
        with PresenceMock() as mock:
            check_all_three(mock.credentials)
        assert requests.get(CRM, timeout=5).json() == {"name": "Ada"}
    assert HTTPAdapter.send is GENUINE


def test_stubs_in_the_emulators_own_registry() -> None:
    with PresenceMock() as mock:
        stub_crm(mock.responses)
        check_all_three(mock.credentials)
    assert HTTPAdapter.send is GENUINE


def test_emulator_registered_on_the_tests_mock_started_later() -> None:
    theirs = responses.RequestsMock(assert_all_requests_are_fired=True)
    with PresenceMock(responses=theirs) as mock:
        assert mock.responses is theirs
        stub_crm(theirs)
        check_all_three(mock.credentials)
    # Started by the emulator, so stopped by it; the emulator never counts as an unused stub.
    assert HTTPAdapter.send is GENUINE


def test_emulator_registered_on_the_tests_active_mock_leaves_it_on() -> None:
    with responses.RequestsMock() as theirs:
        stub_crm(theirs)
        with PresenceMock(responses=theirs) as mock:
            check_all_three(mock.credentials)
        assert HTTPAdapter.send is not GENUINE  # still the test's
        assert requests.get(CRM, timeout=5).json() == {"name": "Ada"}
        with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
            requests.get(f"{RINGCENTRAL}/restapi/v1.0", timeout=5)


def test_alone_an_unknown_url_is_still_refused() -> None:
    with PresenceMock(), pytest.raises(requests.ConnectionError, match="Connection refused"):
        requests.get(ELSEWHERE, timeout=5)


# -- the fixture -----------------------------------------------------------------------------------
@responses.activate
def test_responses_activate_with_the_fixture(presence_mock: PresenceMock) -> None:
    stub_crm(responses)
    check_all_three(presence_mock.credentials)


@pytest.fixture
def crm() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as theirs:
        stub_crm(theirs)
        yield theirs


def test_the_fixture_inside_the_tests_own_mock(
    crm: responses.RequestsMock, presence_mock: PresenceMock
) -> None:
    check_all_three(presence_mock.credentials)


def test_the_fixtures_registry_takes_the_tests_stubs(presence_mock: PresenceMock) -> None:
    stub_crm(presence_mock.responses)
    check_all_three(presence_mock.credentials)
