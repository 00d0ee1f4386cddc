"""Simulated calls in process (issue 14): `PresenceMock.calls` through the official SDK's reads,
the lock on /_mock/calls, and the `presence-mock call` command against a live server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from ringcentral import SDK

from mockserver.errors import MockError
from mockserver.inprocess import PresenceMock
from mockserver.web.app import create_app
from tests.calls_helpers import (
    account,
    park_location,
    placed_only,
    quiet_users,
    seeded_ids,
)
from tests.live_server import COMMAND, serving

ACCOUNT = account()
USERS = quiet_users(ACCOUNT)
SERVER = "https://platform.ringcentral.com"


def test_mock_calls_change_what_the_official_sdk_reads() -> None:
    a, b = USERS[0], USERS[1]
    with PresenceMock() as mock:
        sdk = SDK(mock.credentials["clientId"], mock.credentials["clientSecret"], SERVER)
        platform = sdk.platform()
        platform.login(jwt=mock.credentials["jwt"])
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


@pytest.mark.e2e
def test_the_call_command_drives_a_live_server(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2") as url:
        env = {"PRESENCE_MOCK_URL": url, "PATH": ""}

        def call(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [COMMAND, "call", *args], capture_output=True, text=True, env=env, timeout=60
            )

        rung = call("ring", "+16505550100", USERS[0].number, "--name", "Ann Caller")
        assert rung.returncode == 0, rung.stderr
        session = json.loads(rung.stdout)["telephonySessionId"]
        assert call("answer", session).returncode == 0
        held = call("hold", session, "--by", USERS[0].number)
        assert json.loads(held.stdout)["parties"][1]["status"] == "OnHold"
        again = call("hold", session, "--by", USERS[0].number)
        assert again.returncode == 1
        assert again.stderr.startswith("presence-mock: 409 CMN-101: ")
        assert call("transfer", session, USERS[1].number, "--by", USERS[0].number).returncode == 0
        assert json.loads(call("list").stdout)["records"][-1]["parties"][2]["status"] == "Ringing"
        assert call("meeting", "start", USERS[2].number).returncode == 0
        presence = call("presence", USERS[3].number, "--dnd-status", "DoNotAcceptAnyCalls")
        assert json.loads(presence.stdout)["dndStatus"] == "DoNotAcceptAnyCalls"
        assert call("end", session).returncode == 0
        assert placed_only(json.loads(call("list").stdout)["records"], ACCOUNT) == []
