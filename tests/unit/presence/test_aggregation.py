"""The presenceStatus rule (docs/contract.md#presence-status-derivation), as a table."""

import pytest

from mockserver.directory.model import NON_USER_TYPES, ExtensionType
from mockserver.presence.aggregation import presence_status, telephony_status

USER = ExtensionType.USER

# (userStatus, telephonyStatus, meetingStatus) -> presenceStatus
TABLE = [
    ("Available", "NoCall", None, "Available"),
    ("Available", "NoCall", "Disconnected", "Available"),
    ("Available", "Ringing", None, "Available"),  # Ringing alone does not make a user busy
    ("Available", "CallConnected", None, "Busy"),
    ("Available", "OnHold", None, "Busy"),
    ("Available", "ParkedCall", None, "Busy"),
    ("Available", "NoCall", "Connected", "Busy"),
    ("Busy", "NoCall", None, "Busy"),
    ("Busy", "Ringing", "Disconnected", "Busy"),
    ("Offline", "NoCall", None, "Offline"),
    ("Offline", "CallConnected", "Connected", "Offline"),  # userStatus Offline wins
]


@pytest.mark.parametrize(("user", "telephony", "meeting", "expected"), TABLE)
def test_user_presence_follows_the_rule(user, telephony, meeting, expected):
    assert presence_status(USER, user, telephony, meeting) == expected


@pytest.mark.parametrize("kind", sorted(NON_USER_TYPES))
def test_non_user_types_are_always_offline(kind):
    assert presence_status(kind, "Available", "CallConnected", "Connected") == "Offline"


def test_there_are_nine_non_user_types():
    assert len(NON_USER_TYPES) == 9


@pytest.mark.parametrize(
    ("calls", "expected"),
    [
        ([], "NoCall"),
        ([{"telephonyStatus": "Ringing"}], "Ringing"),
        ([{"telephonyStatus": "Ringing"}, {"telephonyStatus": "OnHold"}], "OnHold"),
        (
            [{"telephonyStatus": "ParkedCall"}, {"telephonyStatus": "CallConnected"}],
            "CallConnected",
        ),
        # Decision 18: Ringing outranks ParkedCall, in either order of the calls.
        ([{"telephonyStatus": "Ringing"}, {"telephonyStatus": "ParkedCall"}], "Ringing"),
        ([{"telephonyStatus": "ParkedCall"}, {"telephonyStatus": "Ringing"}], "Ringing"),
        ([{"telephonyStatus": "ParkedCall"}, {"telephonyStatus": "NoCall"}], "ParkedCall"),
        ([{"telephonyStatus": "OnHold"}, {"telephonyStatus": "CallConnected"}], "CallConnected"),
    ],
)
def test_telephony_status_follows_decision_18(calls, expected):
    assert telephony_status(calls) == expected


def test_telephony_priority_is_decision_18():
    """Every pair of states resolves by CallConnected > OnHold > Ringing > ParkedCall > NoCall."""
    order = ["CallConnected", "OnHold", "Ringing", "ParkedCall", "NoCall"]
    for i, higher in enumerate(order):
        for lower in order[i:]:
            calls = [{"telephonyStatus": lower}, {"telephonyStatus": higher}]
            assert telephony_status(calls) == higher
            assert telephony_status(list(reversed(calls))) == higher
