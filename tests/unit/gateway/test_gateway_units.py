"""The gateway's wire and session rules in process (frames.py, socket_sessions.py); the live
behaviour is tests/e2e/test_gateway.py's."""

from __future__ import annotations

import json

import pytest

from mockserver.gateway import frames
from mockserver.gateway.socket_sessions import Notice, Sessions
from mockserver.platform.wstokens import WsGrant

GRANT = WsGrant(1, 101, "app", "session-a")
OTHER_SESSION = WsGrant(1, 101, "app", "session-b")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nope",
        "{}",
        "[]",
        "[1]",
        '[{"type": "Heartbeat"}, {}, {}]',
        '[{"type": "ServerNotification", "messageId": "x"}]',
        '[{"type": "Heartbeat", "messageId": 5}]',
        '[{"type": "ClientRequest", "messageId": "m", "path": "/x"}]',
        '[{"type": "ClientRequest", "messageId": "m", "method": "GET", "path": "/x"}, null]',
    ],
)
def test_malformed_frames(text: str) -> None:
    with pytest.raises(frames.Malformed):
        frames.parse(text)


def test_a_client_request_and_a_heartbeat_parse() -> None:
    found = frames.parse(
        '[{"type": "ClientRequest", "messageId": "m", "method": "DELETE", "path": "/p"}]'
    )
    assert (found.type, found.message_id, found.has_body, found.body) == (
        "ClientRequest",
        "m",
        False,
        None,
    )
    echoed = frames.heartbeat(frames.parse('[{"type": "Heartbeat", "messageId": "h"}]'))
    assert echoed[0]["type"] == "Heartbeat" and echoed[0]["messageId"] == "h"
    assert echoed[0]["status"] == 200 and echoed[0]["headers"]["RCRequestId"]


def test_replies_errors_and_details_have_what_every_frame_needs() -> None:
    deleted = frames.reply("m", 204)
    assert len(deleted) == 1 and "Content-Type" not in deleted[0]["headers"]
    created = frames.reply("m", 200, {"id": "s"}, {"WSG-SubscriptionId": "s"})
    assert created[0]["headers"]["WSG-SubscriptionId"] == "s"
    assert created[0]["headers"]["Content-Type"] == "application/json"
    error = frames.error(frames.IDLE)
    assert error[0]["type"] == "Error" and error[0]["status"] == 408
    assert error[1]["errorCode"] == "WSG-902"
    details = frames.connection_details(0.5, {"token": "t", "sequence": 1}, ("Failed", "WSG-1005"))
    assert details[1]["creationTime"] == "1970-01-01T00:00:00.500+0000"
    assert details[1]["recoveryState"] == "Failed"
    assert "recoveryState" not in frames.connection_details(0, {}, None)[1]
    for frame in (deleted, created, error, details):
        assert ",--Boundary" not in frames.encode(frame)  # EXT would split it as multipart
        assert isinstance(json.loads(frames.encode(frame)), list)


def notice(n: int) -> Notice:
    return Notice({"uuid": str(n), "subscriptionId": "s", "body": {"sequence": n}}, n)


def test_a_dropped_session_keeps_the_last_100_and_is_recovered_by_its_oauth_session() -> None:
    sessions = Sessions()
    sent: list[str] = []
    session, recovery = sessions.open(GRANT, 0.0, sent.append, None)
    assert recovery is None and session.wsc() == {"token": session.token, "sequence": 1}
    session.subscription, session.subscription_id = object(), "s"
    sessions.refresh()
    assert session.deliver(notice(1)) and json.loads(sent[0])[0]["wsc"]["sequence"] == 2
    sessions.drop(session, sent.append, 10.0)
    assert not any(session.deliver(notice(n)) for n in range(2, 105))
    assert len(session.missed) == 100 and session.missed[0][1].position == 5

    other, recovery = sessions.open(OTHER_SESSION, 20.0, [].append, session.token)
    assert recovery == ("Failed", "WSG-1003") and other is not session

    again: list[str] = []
    found, recovery = sessions.open(GRANT, 20.0, again.append, session.token)
    assert found is session and recovery == ("Successful", None)
    replayed = sessions.replay(found)
    assert [n.position for n in replayed] == list(range(5, 105))
    sequences = [json.loads(text)[0]["wsc"]["sequence"] for text in again]
    assert sequences == list(range(6, 106))  # each keeps the sequence it was given


def test_dropped_sessions_expire_after_the_recovery_timeout() -> None:
    sessions = Sessions()
    send: list[str] = []
    session, _ = sessions.open(GRANT, 0.0, send.append, None)
    sessions.drop(session, send.append, 100.0)
    assert sessions.expired(100.0 + frames.RECOVERY_TIMEOUT) == []
    assert sessions.expired(100.0 + frames.RECOVERY_TIMEOUT + 1) == [session]
    _, recovery = sessions.open(GRANT, 400.0, [].append, session.token)
    assert recovery == ("Failed", "WSG-1005")


def test_a_session_without_a_subscription_is_not_recovered() -> None:
    sessions = Sessions()
    send: list[str] = []
    session, _ = sessions.open(GRANT, 0.0, send.append, None)
    sessions.drop(session, send.append, 1.0)
    found, recovery = sessions.open(GRANT, 2.0, [].append, session.token)
    assert recovery == ("Failed", "WSG-1005") and found is not session
