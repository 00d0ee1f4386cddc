"""Simulated calls in process: `PresenceMock.calls` through the official SDK's reads and the
lock on /_mock/calls (the `presence-mock call` command against a live server: tests/e2e)."""

from __future__ import annotations

import pytest

from mockserver.errors import MockError
from mockserver.inprocess import PresenceMock
from mockserver.web.app import create_app
from tests.support.calls_helpers import (
    account,
    park_location,
    placed_only,
    quiet_users,
    seeded_ids,
)
from tests.support.login import sdk_platform

ACCOUNT = account()
USERS = quiet_users(ACCOUNT)
SERVER = "https://platform.ringcentral.com"


def test_mock_calls_change_what_the_official_sdk_reads() -> None:
    a, b = USERS[0], USERS[1]
    with PresenceMock() as mock:
        platform = sdk_platform(SERVER, mock.credentials)
        path = f"/restapi/v1.0/account/~/extension/{b.id}/presence?detailedTelephonyState=true"
        call = mock.calls.ring(a.number, b.id)["telephonySessionId"]
        assert platform.get(path).json_dict()["telephonyStatus"] == "Ringing"
        mock.calls.answer(call)
        mock.calls.park(call, by=b.id)
        spot = park_location(mock.emulator.directory.accounts[0])
        parked = platform.get(path.replace(str(b.id), str(spot.id))).json_dict()
        assert parked["telephonyStatus"] == "ParkedCall"
        with pytest.raises(MockError) as refused:
            mock.calls.hold(call, by=b.id)  # b's call ended when it was parked
        assert (refused.value.status, refused.value.error_code) == (409, "CMN-101")
        mock.calls.pickup(call, by=USERS[2].id)
        placed = placed_only(mock.calls.list(), ACCOUNT)
        assert [s["telephonySessionId"] for s in placed] == [call]
        mock.calls.start_meeting(USERS[3].number)
        mock.calls.set_presence(USERS[4].number, dndStatus="DoNotAcceptAnyCalls")
        with pytest.raises(MockError):
            mock.calls.ring("+16505550100", USERS[4].number)
        mock.reset()
        assert [s["telephonySessionId"] for s in mock.calls.list()] == seeded_ids(ACCOUNT)
        assert platform.get(path).json_dict()["telephonyStatus"] == "NoCall"


@pytest.mark.parametrize("mode", ["off", "token"])
def test_the_calls_api_obeys_the_controls_lock(mode: str) -> None:
    app = create_app({"controls": mode, "controls_token": "a-long-enough-secret"})
    client = app.test_client()
    answer = client.post("/_mock/calls", json={"from": "+16505550100", "to": USERS[0].id})
    assert answer.status_code == (404 if mode == "off" else 401)
    if mode == "token":
        headers = {"Authorization": "Bearer a-long-enough-secret"}
        body = {"from": "+16505550100", "to": USERS[0].id}
        assert client.post("/_mock/calls", json=body, headers=headers).status_code == 201
