"""In-process mode: PresenceMock behind `responses`, the official SDK unchanged, and the
`presence_mock` fixture catching a client that sends what the platform refuses."""

from __future__ import annotations

import pytest
import requests

from mockserver import PresenceMock
from mockserver.inprocess.mock import PRODUCTION, SANDBOX
from tests.support.live_server import free_port
from tests.support.login import sdk_platform

ME = "/restapi/v1.0/account/~/extension/~/presence"


def test_the_official_sdk_works_unchanged():
    with PresenceMock() as mock:
        platform = sdk_platform(PRODUCTION, mock.credentials)
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
        sdk_platform(SANDBOX, mock.credentials).put(ME, {"message": "sandbox"})
    with PresenceMock() as fresh:
        assert (
            sdk_platform(SANDBOX, fresh.credentials).get(ME).json_dict().get("message") != "sandbox"
        )


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
    platform = sdk_platform(PRODUCTION, presence_mock.credentials)
    platform.get("/restapi/v1.0/account/~/presence", {"perPage": 5})
    assert [e["verdict"] for e in presence_mock.requests] == ["ok", "ok"]
    assert set(presence_mock.credentials) == {"clientId", "clientSecret", "jwt"}
