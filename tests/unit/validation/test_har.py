"""The session export's pieces: journal entries and delivery attempts as HAR entries, bodies
of writes as the journal keeps them."""

from __future__ import annotations

import json

from mockserver.http import DescribedRequest
from mockserver.validation.har import delivery_entry, har_log, request_entry
from mockserver.validation.request_journal import BODY_KEPT, Seen


def seen(method: str, body: bytes) -> dict[str, object]:
    request = DescribedRequest.build(method, "/restapi/v1.0/subscription", "", body)
    return Seen(1.0, request, [], 200).entry()


def test_a_failed_delivery_is_an_entry_with_no_answer_and_its_reason() -> None:
    event = {"uuid": "u", "subscriptionId": "s1", "body": {"userStatus": "Busy"}}
    found = delivery_entry(
        {
            "time": 1.5,
            "transport": "WebHook",
            "subscriptionId": "s1",
            "attempt": 2,
            "delivered": False,
            "status": None,
            "error": "connection refused",
            "event": event,
            "address": "http://user:pw@127.0.0.1:9/hook?key=abc",
        }
    )
    assert found["response"]["status"] == 0 and found["_delivered"] is False
    assert found["comment"] == "not delivered: connection refused" and found["_attempt"] == 2
    assert found["request"]["url"] == "http://user:***@127.0.0.1:9/hook?key=***"
    assert json.loads(found["request"]["postData"]["text"]) == event


def test_websocket_notifications_are_left_out_and_entries_are_in_time_order() -> None:
    requests = [
        {"time": "1970-01-01T00:00:03.000000Z", "method": "GET", "path": "/b", "status": 200},
        {"time": "1970-01-01T00:00:01.000000Z", "method": "GET", "path": "/a", "status": 200},
    ]
    socket = {"time": 2.0, "transport": "WebSocket", "subscriptionId": "s", "event": {}}
    hook = {**socket, "transport": "WebHook", "address": "http://127.0.0.1:9/", "status": 200}
    entries = har_log(requests, [socket, hook], "http://127.0.0.1:1", "1")["log"]["entries"]
    assert [e["request"]["url"] for e in entries] == [
        "http://127.0.0.1:1/a",
        "http://127.0.0.1:9/",
        "http://127.0.0.1:1/b",
    ]


def test_a_query_is_written_in_the_url_and_as_pairs() -> None:
    entry = {"time": "t", "method": "GET", "path": "/p", "status": 200, "query": {"a": ["1", "2"]}}
    found = request_entry(entry, "http://h:1/")
    assert found["request"]["url"] == "http://h:1/p?a=1&a=2"
    assert found["request"]["queryString"] == [
        {"name": "a", "value": "1"},
        {"name": "a", "value": "2"},
    ]
    assert "postData" not in found["request"]


def test_bodies_of_writes_are_kept_masked_and_bounded() -> None:
    written = {"deliveryMode": {"verificationToken": "plain", "address": "http://u:p@h/x?k=v"}}
    body = json.loads(str(seen("POST", json.dumps(written).encode())["body"]))
    assert body["deliveryMode"] == {"verificationToken": "***", "address": "http://u:***@h/x?k=***"}
    form = seen("POST", b"grant_type=password&username=101&password=secret")["body"]
    assert form == "grant_type=password&username=101&password=%2A%2A%2A"
    assert seen("POST", b"x" * (BODY_KEPT + 1))["body"] == f"<{BODY_KEPT + 1} bytes, not kept>"
    assert "body" not in seen("GET", b"{}") and "body" not in seen("POST", b"")
