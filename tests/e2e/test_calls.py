"""End to end: every call step through /_mock/calls against `serve --workers 4`, with
both parties' presence, active calls and unified presence read back through the API (responses
schema-checked by the server: PRESENCE_MOCK_VALIDATE_RESPONSES=1)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from presence_mock_kit.receiver import WebhookReceiver
from tests.support.calls_helpers import (
    Office,
    account,
    call_of,
    park_location,
    placed_only,
    quiet_users,
    seeded_ids,
)
from tests.support.live_server import COMMAND, serving
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name

ACCOUNT = account()
USERS = quiet_users(ACCOUNT)
API = "/restapi/v1.0/account/~/extension"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("calls"), "--workers", "4") as url:
        yield url


@pytest.fixture
def office(server: str) -> Iterator[Office]:
    requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
    yield Office(server)


def test_an_internal_call_rings_connects_holds_and_ends_for_both_parties(office: Office) -> None:
    a, b = USERS[0], USERS[1]
    session = office.post("/calls", {"from": a.number, "to": b.number}, 201)
    sid = session["telephonySessionId"]
    assert office.status(a.id, sid) == ("Ringing", "Available", ["Ringing"])
    assert office.status(b.id, sid) == ("Ringing", "Available", ["Ringing"])
    callee = call_of(office.presence(b.id), sid)[0]
    assert callee["direction"] == "Inbound" and callee["partyId"].endswith("-2")
    assert (callee["from"], callee["fromName"], callee["to"], callee["toName"]) == (
        a.number,
        a.name,
        b.number,
        b.name,
    )
    assert callee["id"] == sid and callee["sipData"]["toTag"] == "blf"
    assert office.active_calls(b.id) == []  # ringing calls are still being routed (decision ACT-1)

    office.post(f"/calls/{sid}/answer")
    assert office.status(a.id, sid) == ("CallConnected", "Busy", ["CallConnected"])
    assert office.status(b.id, sid) == ("CallConnected", "Busy", ["CallConnected"])
    listed = office.active_calls(b.id)
    assert [c["telephonySessionId"] for c in listed] == [sid]
    assert listed[0]["result"] == "In Progress"

    office.post(f"/calls/{sid}/hold", {"extensionId": a.id})
    assert office.status(a.id, sid) == ("OnHold", "Busy", ["OnHold"])
    assert office.status(b.id, sid) == ("CallConnected", "Busy", ["CallConnected"])  # CALL-28
    office.post(f"/calls/{sid}/unhold", {"extensionId": a.id})
    assert office.status(a.id, sid) == ("CallConnected", "Busy", ["CallConnected"])

    office.post(f"/calls/{sid}/end", {"extensionId": b.id})
    for ext in (a, b):
        assert office.status(ext.id, sid) == ("NoCall", "Available", ["NoCall"])
        assert call_of(office.presence(ext.id), sid)[0]["terminationType"] == "final"
        assert office.active_calls(ext.id) == []
    assert office.post("/calls/" + sid + "/end", status=404)["errorCode"] == "CMN-102"


def test_an_inbound_call_is_parked_and_picked_up(office: Office) -> None:
    a, b = USERS[2], USERS[3]
    spot = park_location(ACCOUNT)
    sid = office.post("/calls", {"from": "+16505550100", "to": a.id, "name": "Ann Caller"}, 201)[
        "telephonySessionId"
    ]
    ringing = call_of(office.presence(a.id), sid)[0]
    assert ringing["from"] == "+16505550100" and ringing["fromName"] == "Ann Caller"
    assert ringing["to"].startswith("+")
    refused = office.post(f"/calls/{sid}/park", {"extensionId": a.id}, 409)
    assert refused["errorCode"] == "CMN-101"
    office.post(f"/calls/{sid}/answer", {"extensionId": a.id})
    office.post(f"/calls/{sid}/park", {"extensionId": a.id, "location": spot.id})
    assert office.status(a.id, sid) == ("NoCall", "Available", ["NoCall"])  # decision CALL-29
    parked = office.presence(spot.id)
    assert parked["presenceStatus"] == "Offline" and parked["telephonyStatus"] == "ParkedCall"
    assert call_of(parked, sid)[0]["from"] == "+16505550100"

    office.post(f"/calls/{sid}/pickup", {"extensionId": b.id})
    assert office.status(b.id, sid) == ("CallConnected", "Busy", ["CallConnected"])
    assert office.presence(spot.id)["telephonyStatus"] == "NoCall"
    office.post(f"/calls/{sid}/end")
    assert office.status(b.id, sid) == ("NoCall", "Available", ["NoCall"])


def test_an_outbound_call_is_transferred_blind(office: Office) -> None:
    a, c = USERS[4], USERS[5]
    sid = office.post("/calls", {"from": a.id, "to": "+14155550123"}, 201)["telephonySessionId"]
    outbound = call_of(office.presence(a.id), sid)[0]
    assert (outbound["direction"], outbound["telephonyStatus"]) == ("Outbound", "Ringing")
    office.post(f"/calls/{sid}/answer")
    assert office.status(a.id, sid) == ("CallConnected", "Busy", ["CallConnected"])
    office.post(f"/calls/{sid}/transfer", {"extensionId": a.id, "to": c.number})
    assert office.status(a.id, sid) == ("NoCall", "Available", ["NoCall"])
    target = call_of(office.presence(c.id), sid)[0]
    assert target["telephonyStatus"] == "Ringing" and target["partyId"].endswith("-3")
    assert target["from"] == "+14155550123"  # decision CALL-30: the same session, the next party
    office.post(f"/calls/{sid}/answer", {"extensionId": c.id})
    assert office.status(c.id, sid) == ("CallConnected", "Busy", ["CallConnected"])
    office.post(f"/calls/{sid}/end")


def test_a_warm_transfer_connects_the_target_and_drops_the_transferor(office: Office) -> None:
    a, c = USERS[6], USERS[7]
    sid = office.post("/calls", {"from": "+16505550111", "to": a.id}, 201)["telephonySessionId"]
    office.post(f"/calls/{sid}/answer")
    office.post(f"/calls/{sid}/hold", {"extensionId": a.id})
    no_consultation = office.post(
        f"/calls/{sid}/transfer", {"extensionId": a.id, "to": c.id, "warm": True}, 409
    )
    assert no_consultation["parameterName"] == "to"
    consult = office.post("/calls", {"from": a.id, "to": c.id}, 201)["telephonySessionId"]
    office.post(f"/calls/{consult}/answer")
    assert office.presence(a.id)["telephonyStatus"] == "CallConnected"  # outranks OnHold
    office.post(f"/calls/{sid}/transfer", {"extensionId": a.id, "to": c.id, "warm": True})
    mine = office.presence(a.id)
    assert mine["telephonyStatus"] == "NoCall" and mine["presenceStatus"] == "Available"
    assert {c["telephonyStatus"] for c in mine["activeCalls"]} == {"NoCall"}
    theirs = office.presence(c.id)
    assert theirs["telephonyStatus"] == "CallConnected"
    assert [x["telephonyStatus"] for x in call_of(theirs, sid)] == ["CallConnected"]
    assert [x["telephonyStatus"] for x in call_of(theirs, consult)] == ["NoCall"]
    assert [c["telephonySessionId"] for c in office.active_calls(c.id)] == [sid]


def test_a_queue_call_rings_the_available_members_until_one_answers(office: Office) -> None:
    queue = next(q for q in ACCOUNT.extensions if len(q.members) >= 3)
    members = [m.extension_id for m in queue.members]
    busy = members[0]
    office.api.put(
        f"{office.url}{API}/{busy}/presence", json={"dndStatus": "DoNotAcceptAnyCalls"}, timeout=10
    ).raise_for_status()
    session = office.post("/queue-calls", {"queueId": queue.id, "from": "+12125550100"}, 201)
    sid = session["telephonySessionId"]
    rung = [p["extensionId"] for p in session["parties"] if p["role"] == "member"]
    assert busy not in rung and rung
    first = call_of(office.presence(rung[0]), sid)[0]
    assert first["queueCall"] is True
    assert first["callInfo"]["primary"] == {"type": "QueueName", "value": queue.name}
    assert office.presence(busy).get("activeCalls", []) == [
        c for c in office.presence(busy).get("activeCalls", []) if c["telephonySessionId"] != sid
    ]
    office.post(f"/calls/{sid}/answer", {"extensionId": rung[-1]})
    assert office.status(rung[-1], sid)[2] == ["CallConnected"]
    for other in rung[:-1]:
        assert office.status(other, sid)[2] == ["NoCall"]  # decision CALL-31
    office.post(f"/calls/{sid}/answer", status=409)


def test_a_meeting_makes_the_user_busy_until_it_ends(office: Office) -> None:
    user = USERS[0]
    office.post(f"/meetings/{user.id}/start")
    found = office.presence(user.id)
    assert (found["meetingStatus"], found["presenceStatus"]) == ("Connected", "Busy")
    unified = office.api.get(f"{office.url}{API}/{user.id}/unified-presence", timeout=10).json()
    assert unified["meeting"] == {"status": "InMeeting"} and unified["status"] == "Busy"
    office.post(f"/meetings/{user.id}/start", status=409)
    office.post(f"/meetings/{user.id}/end")
    found = office.presence(user.id)
    assert (found["meetingStatus"], found["presenceStatus"]) == ("Disconnected", "Available")


def test_a_reset_puts_the_seed_back(office: Office) -> None:
    a, b = USERS[1], USERS[2]
    sid = office.post("/calls", {"from": a.id, "to": b.id}, 201)["telephonySessionId"]
    office.post(f"/calls/{sid}/answer")
    requests.post(f"{office.url}/_mock/reset", timeout=10).raise_for_status()
    assert office.presence(a.id)["activeCalls"] == []
    listed = requests.get(f"{office.url}/_mock/calls", timeout=10).json()
    assert listed["placed"] == 0
    # Only the seed's calls, as the seed drew them.
    assert [r["telephonySessionId"] for r in listed["records"]] == seeded_ids(ACCOUNT)


def test_bad_requests_are_refused_in_the_platform_shape(office: Office) -> None:
    assert office.post("/calls", {"from": USERS[0].id}, 400)["parameterName"] == "to"
    assert office.post("/calls", {"from": "+1", "to": "+2"}, 400)["parameterName"] == "to"
    assert office.post("/calls", {"from": "999", "to": USERS[0].id}, 404)["errorCode"] == "CMN-102"
    spot = park_location(ACCOUNT)
    assert office.post("/calls", {"from": USERS[0].id, "to": spot.id}, 400)["parameterName"] == "to"
    same = {"from": USERS[0].id, "to": USERS[0].number}
    assert office.post("/calls", same, 400)["parameterName"] == "to"
    assert (
        office.post("/calls", {"from": USERS[0].id, "to": 5, "x": 1}, 400)["parameterName"] == "x"
    )
    assert (
        office.post("/queue-calls", {"queueId": USERS[0].id, "from": "+16505550100"}, 404)[
            "parameterName"
        ]
        == "queueId"
    )
    assert office.post(f"/meetings/{spot.id}/start", status=400)["parameterName"] == "extensionId"


def test_a_subscriber_gets_every_step_of_both_parties_in_order(office: Office) -> None:
    """WebHook deliveries from four workers: each party's changes, in sequence."""
    a, b = USERS[3], USERS[4]
    with WebhookReceiver() as hook:
        body = {
            "eventFilters": [
                f"/restapi/v1.0/account/~/extension/{ext.id}/presence"
                "?detailedTelephonyState=true&sipData=true"
                for ext in (a, b)
            ],
            "deliveryMode": {"transportType": "WebHook", "address": hook.url},
        }
        created = office.api.post(f"{office.url}/restapi/v1.0/subscription", json=body, timeout=10)
        assert created.status_code == 200, created.text
        sid = office.post("/calls", {"from": a.id, "to": b.id}, 201)["telephonySessionId"]
        for step, by in (("answer", None), ("hold", b.id), ("unhold", b.id), ("end", a.id)):
            office.post(f"/calls/{sid}/{step}", {"extensionId": by} if by else {})
        hook.wait_for_count(8, timeout=30)
        time.sleep(1)  # nothing more should come
        got = [d.json["body"] for d in hook.deliveries]
    seen = {
        ext.id: [
            (e["telephonyStatus"], [c["telephonyStatus"] for c in e["activeCalls"]])
            for e in got
            if e["extensionId"] == str(ext.id)
        ]
        for ext in (a, b)
    }
    assert seen[a.id] == [
        ("Ringing", ["Ringing"]),
        ("CallConnected", ["CallConnected"]),
        ("NoCall", ["NoCall"]),
    ]
    assert seen[b.id] == [
        ("Ringing", ["Ringing"]),
        ("CallConnected", ["CallConnected"]),
        ("OnHold", ["OnHold"]),
        ("CallConnected", ["CallConnected"]),
        ("NoCall", ["NoCall"]),
    ]
    for ext in (a, b):
        sequences = [e["sequence"] for e in got if e["extensionId"] == str(ext.id)]
        assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert all(c["telephonySessionId"] == sid for e in got for c in e["activeCalls"])
    assert len(got) == 8


def test_two_replicas_on_redis_share_the_calls(redis_server: str, tmp_path: Path) -> None:  # noqa: F811
    """A call placed through one replica is answered and held through the other, and both read
    the same presence (the calls live in the store)."""
    import redis

    store = f"{redis_server}/14"
    redis.Redis.from_url(store).flushdb()
    a, b = USERS[0], USERS[1]
    with (
        serving(tmp_path, "--workers", "2", "--store", store) as first,
        serving(tmp_path, "--workers", "1", "--store", store) as second,
    ):
        one, two = Office(first), Office(second)
        sid = one.post("/calls", {"from": a.id, "to": b.id}, 201)["telephonySessionId"]
        two.post(f"/calls/{sid}/answer")
        one.post(f"/calls/{sid}/hold", {"extensionId": a.id})
        for office in (one, two):
            assert office.status(a.id, sid) == ("OnHold", "Busy", ["OnHold"])
            assert office.status(b.id, sid) == ("CallConnected", "Busy", ["CallConnected"])
        two.post(f"/calls/{sid}/hold", {"extensionId": a.id}, 409)  # already on hold there too
        requests.post(f"{second}/_mock/reset", timeout=10).raise_for_status()
        assert one.presence(a.id)["activeCalls"] == []


def test_a_subscriber_gets_park_pickup_transfers_queue_calls_and_meetings(
    office: Office,
) -> None:
    """The other steps, through four workers, as the account-wide detailed subscriber sees them:
    per extension, in sequence order, the telephony (and meeting) state of each change."""
    a, b, c, d = USERS[0], USERS[1], USERS[2], USERS[3]
    spot = park_location(ACCOUNT)
    queue = next(q for q in ACCOUNT.extensions if len(q.members) >= 3)
    with WebhookReceiver() as hook:
        body = {
            "eventFilters": ["/restapi/v1.0/account/~/presence?detailedTelephonyState=true"],
            "deliveryMode": {"transportType": "WebHook", "address": hook.url},
        }
        created = office.api.post(f"{office.url}/restapi/v1.0/subscription", json=body, timeout=10)
        assert created.status_code == 200, created.text
        # park and pick up
        first = office.post("/calls", {"from": "+16505550100", "to": a.id}, 201)
        one = first["telephonySessionId"]
        office.post(f"/calls/{one}/answer")
        office.post(f"/calls/{one}/park", {"extensionId": a.id, "location": spot.id})
        office.post(f"/calls/{one}/pickup", {"extensionId": b.id})
        # a warm transfer from b to c, then a blind one from c to d
        consult = office.post("/calls", {"from": b.id, "to": c.id}, 201)["telephonySessionId"]
        office.post(f"/calls/{consult}/answer")
        office.post(f"/calls/{one}/transfer", {"extensionId": b.id, "to": c.id, "warm": True})
        office.post(f"/calls/{one}/transfer", {"extensionId": c.id, "to": d.id})
        office.post(f"/calls/{one}/answer", {"extensionId": d.id})
        office.post(f"/calls/{one}/end")
        # a queue call and a meeting
        rung = office.post("/queue-calls", {"queueId": queue.id, "from": "+12125550100"}, 201)
        members = [p["extensionId"] for p in rung["parties"] if p["role"] == "member"]
        two = rung["telephonySessionId"]
        office.post(f"/calls/{two}/answer", {"extensionId": members[0]})
        office.post(f"/calls/{two}/end")
        office.post(f"/meetings/{a.id}/start")
        office.post(f"/meetings/{a.id}/end")
        expected = {
            a.id: [
                ("Ringing", ["Ringing"], None),
                ("CallConnected", ["CallConnected"], None),
                ("NoCall", ["NoCall"], None),  # parked: a's call ends
                ("NoCall", [], None),  # the next change of the call drops the ended one
                ("NoCall", [], "Connected"),
                ("NoCall", [], "Disconnected"),
            ],
            spot.id: [
                ("ParkedCall", ["ParkedCall"], None),
                ("NoCall", ["NoCall"], None),  # picked up
                (None, [], None),  # the call's next change: the non-user shape again
            ],
            b.id: [
                ("CallConnected", ["CallConnected"], None),  # picked up
                ("CallConnected", ["CallConnected", "Ringing"], None),  # consults c
                ("CallConnected", ["CallConnected", "CallConnected"], None),
                ("NoCall", ["NoCall", "NoCall"], None),  # the warm transfer drops b
                ("NoCall", [], None),  # the call's next change drops b's ended calls
            ],
            c.id: [
                ("Ringing", ["Ringing"], None),
                ("CallConnected", ["CallConnected"], None),
                # on the first call now; the consultation ended
                ("CallConnected", ["CallConnected", "NoCall"], None),
                ("NoCall", ["NoCall"], None),  # the blind transfer to d
                ("NoCall", [], None),
            ],
            d.id: [
                ("Ringing", ["Ringing"], None),
                ("CallConnected", ["CallConnected"], None),
                ("NoCall", ["NoCall"], None),
            ],
        }
        hook.wait_for_count(sum(map(len, expected.values())) + 3 * len(members), timeout=30)
        time.sleep(1)
        got = [d.json["body"] for d in hook.deliveries]
    seen: dict[int, list[Any]] = {}
    for event in sorted(got, key=lambda e: e["sequence"]):
        calls = [c["telephonyStatus"] for c in event.get("activeCalls", [])]
        state = (event.get("telephonyStatus"), calls, event.get("meetingStatus"))
        seen.setdefault(int(event["extensionId"]), []).append(state)
    meeting_of = {e.id: e.meeting_status for e in ACCOUNT.extensions}
    for ext_id, states in expected.items():
        want = [(t, c, m or meeting_of[ext_id]) for t, c, m in states]
        assert seen[ext_id] == want, ext_id
    answered, others = members[0], members[1:]
    assert seen[answered] == [
        ("Ringing", ["Ringing"], meeting_of[answered]),
        ("CallConnected", ["CallConnected"], meeting_of[answered]),
        ("NoCall", ["NoCall"], meeting_of[answered]),
    ]
    for other in others:  # decision CALL-31: the members not answering stop ringing, `final`
        assert [s[:2] for s in seen[other]] == [
            ("Ringing", ["Ringing"]),
            ("NoCall", ["NoCall"]),
            ("NoCall", []),  # dropped when the call ends
        ]


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
