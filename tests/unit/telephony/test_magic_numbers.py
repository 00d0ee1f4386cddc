"""Magic numbers in process: each outside number's call ends as its table says, in both
directions, on the emulator's clock, and what the official SDK reads follows it; a person who
acts first wins over the plan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mockserver.errors import MockError
from mockserver.inprocess import PresenceMock
from mockserver.telephony import magic
from tests.support.calls_helpers import account, quiet_users
from tests.support.login import sdk_platform

ACCOUNT = account()
USERS = quiet_users(ACCOUNT)
SERVER = "https://platform.ringcentral.com"
BUSY, NO_ANSWER, VOICEMAIL, ABANDON, TO_QUEUE = (f"+1555010000{n}" for n in range(1, 6))
AT_ONCE, AFTER_3, AFTER_10 = "+15550100010", "+15550100013", "+15550100020"


class Office:
    """The in-process emulator on a frozen clock, read through the official SDK."""

    def __init__(self, mock: PresenceMock) -> None:
        self.mock = mock
        self.platform = sdk_platform(SERVER, mock.credentials)
        mock.emulator.clock.change(freeze=True)

    def later(self, seconds: float) -> None:
        """Move the clock; the mock plays what fell due after its next request."""
        self.mock.emulator.clock.change(advance=seconds)

    def telephony(self, user: Any) -> str:
        path = f"/restapi/v1.0/account/~/extension/{user.id}/presence?detailedTelephonyState=true"
        return str(self.platform.get(path).json_dict()["telephonyStatus"])

    def call(self, session: str) -> dict[str, Any] | None:
        return next((c for c in self.mock.calls.list() if c["telephonySessionId"] == session), None)

    def statuses(self, session: str) -> list[str]:
        found = self.call(session)
        return [p["status"] for p in found["parties"]] if found else []


@pytest.fixture
def office() -> Iterator[Office]:
    with PresenceMock() as mock:
        yield Office(mock)


def test_every_number_is_listed_once_with_a_name_and_what_it_does() -> None:
    numbers = [row["number"] for row in magic.table()]
    assert len(numbers) == len(set(numbers)) == len(magic.OUTCOMES)
    assert all(n.startswith("+1555") and len(n) == 12 for n in numbers)
    assert all(row["name"] and row["description"] for row in magic.table())


@pytest.mark.parametrize("inbound", [True, False])
def test_a_busy_number_ends_the_call_as_it_is_placed(office: Office, inbound: bool) -> None:
    user = USERS[0]
    placed = (
        office.mock.calls.ring(BUSY, user.id) if inbound else office.mock.calls.ring(user.id, BUSY)
    )
    assert {p["status"] for p in placed["parties"]} == {"NoCall"}
    assert office.telephony(user) == "NoCall"
    assert office.call(placed["telephonySessionId"]) is None


@pytest.mark.parametrize("inbound", [True, False])
def test_answered_after_n_seconds_rings_until_then(office: Office, inbound: bool) -> None:
    user = USERS[1]
    placed = (
        office.mock.calls.ring(AFTER_10, user.id)
        if inbound
        else office.mock.calls.ring(user.id, AFTER_10)
    )
    session = placed["telephonySessionId"]
    office.later(9.5)
    assert office.telephony(user) == "Ringing"
    office.later(0.5)
    assert office.telephony(user) == "CallConnected"
    assert office.statuses(session) == ["CallConnected", "CallConnected"]


def test_answered_at_once_and_after_3_s(office: Office) -> None:
    a, b = USERS[2], USERS[0]
    office.mock.calls.ring(AT_ONCE, a.id)
    assert office.telephony(a) == "CallConnected"
    office.mock.calls.ring(b.id, AFTER_3)
    office.later(2.9)
    assert office.telephony(b) == "Ringing"
    office.later(0.1)
    assert office.telephony(b) == "CallConnected"


@pytest.mark.parametrize("number", [NO_ANSWER, ABANDON])
def test_an_unanswered_call_ends_when_its_time_is_up(office: Office, number: str) -> None:
    user = USERS[1]
    session = office.mock.calls.ring(number, user.id)["telephonySessionId"]
    waited = magic.RING_SECONDS if number == NO_ANSWER else magic.ABANDON_SECONDS
    office.later(waited - 1)
    assert office.telephony(user) == "Ringing"
    office.later(1)
    assert office.telephony(user) == "NoCall"
    assert office.call(session) is None


def test_a_person_who_answers_first_wins_over_the_plan(office: Office) -> None:
    user = USERS[2]
    session = office.mock.calls.ring(NO_ANSWER, user.id)["telephonySessionId"]
    office.later(5)
    office.mock.calls.answer(session)
    office.later(magic.RING_SECONDS)
    assert office.telephony(user) == "CallConnected"
    assert office.statuses(session) == ["CallConnected", "CallConnected"]


def test_voicemail_takes_an_inbound_call_off_the_users_phone(office: Office) -> None:
    user = USERS[0]
    session = office.mock.calls.ring(VOICEMAIL, user.id)["telephonySessionId"]
    office.later(magic.RING_SECONDS)
    assert office.telephony(user) == "NoCall"
    # The caller is still on the line, leaving a message.
    assert office.statuses(session) == ["CallConnected", "NoCall"]
    office.later(magic.VOICEMAIL_SECONDS)
    office.telephony(user)  # a request: the mock plays what is due
    assert office.call(session) is None


def test_an_outbound_call_to_voicemail_is_connected_then_ends(office: Office) -> None:
    user = USERS[1]
    session = office.mock.calls.ring(user.id, VOICEMAIL)["telephonySessionId"]
    office.later(magic.RING_SECONDS)
    assert office.telephony(user) == "CallConnected"
    office.later(magic.VOICEMAIL_SECONDS - 1)
    assert office.telephony(user) == "CallConnected"
    office.later(1)
    assert office.telephony(user) == "NoCall"
    assert office.call(session) is None


def test_transfer_to_a_queue_rings_the_first_queues_members(office: Office) -> None:
    queue = next(q for q in ACCOUNT.extensions if q.type.value == "Department")
    user = USERS[2]
    session = office.mock.calls.ring(TO_QUEUE, user.id)["telephonySessionId"]
    office.later(magic.QUEUE_AFTER_SECONDS)
    assert office.telephony(user) == "NoCall"
    assert office.call(session) is None
    queued = [
        c
        for c in office.mock.calls.list()
        if c.get("queue") and c["parties"][0]["from"] == TO_QUEUE
    ]
    assert [c["queue"]["id"] for c in queued] == [queue.id]
    members = [p for p in queued[0]["parties"] if p.get("extensionId")]
    assert members and all(p["status"] == "Ringing" and p["from"] == TO_QUEUE for p in members)


def test_transfer_to_a_queue_cannot_be_called(office: Office) -> None:
    with pytest.raises(MockError) as refused:
        office.mock.calls.ring(USERS[0].id, TO_QUEUE)
    assert refused.value.status == 400
    assert "can only call" in refused.value.to_body()["message"]
