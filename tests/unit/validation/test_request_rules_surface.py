"""Request rules of the rest of the Presence tag, the directory and active calls:
`groupId`, the spec's enum filters and maxLengths, the nested bodies, the unified batch limit;
judged from the route table, journalled, and refused with --strict-requests."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.http import DescribedRequest
from mockserver.operations import BY_ENDPOINT
from mockserver.schemas import enum_values
from mockserver.validation.request_rules import check
from mockserver.web.app import create_app
from tests.support.login import Api, login

API = "/restapi/v1.0/account/~"
QUEUE = f"{API}/call-queues/123/presence"
AGENT = f"{API}/extension/~/call-queue-presence"
UNIFIED = f"{API}/extension/~/unified-presence"
CALLS = f"{API}/extension/~/active-calls"
LIST = f"{API}/extension"
MEMBER = b'{"records": [{"member": {"id": "1"}, "acceptCurrentQueueCalls": %s}]}'


def problems_of(method: str, path: str, query: str = "", body: bytes = b"") -> list[tuple]:
    found = check(DescribedRequest.build(method, path, query, body=body))
    return [(p.parameter, p.rule) for p in found]


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("GET", QUEUE, "", b""),
        ("PUT", QUEUE, "", MEMBER % b"true"),
        ("GET", AGENT, "editableMemberStatus=True", b""),
        ("PUT", AGENT, "", b'{"records": [{"callQueue": {"id": "1"}, "acceptCalls": false}]}'),
        ("GET", f"{API}/extension/~,101/unified-presence", "", b""),
        ("PATCH", UNIFIED, "",
         b'{"glip": {"availability": "DND"}, "telephony": {"availability": "TakeAllCalls"}}'),
        ("GET", "/restapi/v1.0/account/~", "", b""),
        ("GET", LIST, "type=User&type=Department&status=Enabled&status=NotActivated", b""),
        ("GET", LIST, "status=&extensionNumber=12345678&email=a@example.com&perPage=5", b""),
        ("GET", f"{API}/extension/101", "", b""),
        ("GET", CALLS, "view=Detailed&direction=Inbound&direction=Outbound&type=Voice", b""),
        ("GET", CALLS, "transport=PSTN&conferenceType=Meetings&perPage=max&page=1", b""),
    ],
)  # fmt: skip
def test_requests_the_platform_accepts_have_no_problems(method, path, query, body):
    assert problems_of(method, path, query, body) == []


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "expected"),
    [
        ("GET", f"{API}/call-queues/abc/presence", "", b"", [("groupId", "id")]),
        ("GET", f"{API}/call-queues/~/presence", "", b"", [("groupId", "id")]),
        ("PUT", f"{API}/call-queues/-1/presence", "", b"{}", [("groupId", "id")]),
        ("GET", f"{API}/extension", "type=CallQueue", b"", [("type", "enum")]),
        ("GET", f"{API}/extension", "type=User&type=user", b"", [("type", "enum")]),
        ("GET", f"{API}/extension", "type=", b"", [("type", "enum")]),  # no allowEmptyValue
        ("GET", f"{API}/extension", "status=Active", b"", [("status", "enum")]),
        ("GET", LIST, "extensionNumber=123456789", b"", [("extensionNumber", "maxLength")]),
        ("GET", f"{API}/extension", "email=" + "a" * 255, b"", [("email", "maxLength")]),
        ("GET", f"{API}/extension", "perPage=0", b"", [("perPage", "positive-integer")]),
        ("GET", f"{API}/extension", "perPage=max", b"", [("perPage", "positive-integer")]),
        ("GET", f"{API}/extension", "searchString=Bob", b"", [("searchString", "known-parameter")]),
        ("GET", CALLS, "direction=Sideways", b"", [("direction", "enum")]),
        ("GET", CALLS, "type=Video", b"", [("type", "enum")]),
        ("GET", CALLS, "view=Full", b"", [("view", "enum")]),
        ("GET", CALLS, "view=", b"", [("view", "enum")]),
        ("GET", CALLS, "view=Simple&view=Detailed", b"", [("view", "single-value")]),
        ("GET", CALLS, "transport=Satellite", b"", [("transport", "enum")]),
        ("GET", CALLS, "conferenceType=Webinar", b"", [("conferenceType", "enum")]),
        ("GET", CALLS, "perPage=min", b"", [("perPage", "positive-integer")]),
        ("GET", AGENT, "editableMemberStatus=maybe", b"", [("editableMemberStatus", "boolean")]),
        ("GET", f"{API}/extension/1,2", "", b"", [("extensionId", "single-id")]),
        ("GET", f"{API}/extension/abc/active-calls", "", b"", [("extensionId", "id")]),
        ("PUT", QUEUE, "", b"", [("body", "required")]),
        ("PUT", QUEUE, "", b"not json", [("body", "json")]),
        ("PUT", QUEUE, "", MEMBER % b'"yes"', [("records[0].acceptCurrentQueueCalls", "type")]),
        ("PUT", AGENT, "", b'[]', [("body", "json")]),
        ("PUT", AGENT, "", b'{"records": [{"callqueue": {"id": "1"}, "acceptCalls": true}]}',
         [("records[0].callqueue", "unevaluatedProperties")]),
        ("PATCH", UNIFIED, "", b"", [("body", "required")]),
        ("PATCH", UNIFIED, "", b'{"glip": {"availability": "Away"}}',
         [("glip.availability", "enum")]),
        ("PATCH", UNIFIED, "", b'{"telephony": {"visibility": "Visible"}}',
         [("telephony.visibility", "unevaluatedProperties")]),
        ("PATCH", f"{LIST}/1,2/unified-presence", "", b"{}", [("extensionId", "single-id")]),
    ],
)  # fmt: skip
def test_violations_name_the_parameter(method, path, query, body, expected):
    assert problems_of(method, path, query, body) == expected


def test_the_enums_are_the_specs():
    calls = BY_ENDPOINT["api.listExtensionActiveCalls"]
    assert enum_values(calls.choices_of("direction")) == {"Inbound", "Outbound"}
    assert enum_values(calls.choices_of("view")) == {"Simple", "Detailed"}
    types = enum_values(BY_ENDPOINT["api.listExtensions"].choices_of("type"))
    assert {"User", "Department", "ParkLocation", "Unknown"} <= types


def test_a_unified_batch_over_thirty_is_cmn_106_not_the_presence_code():
    thirty = ",".join(str(100 + i) for i in range(30))
    assert problems_of("GET", f"{API}/extension/{thirty}/unified-presence") == []
    found = check(DescribedRequest.build("GET", f"{API}/extension/{thirty},999/unified-presence"))
    assert [(p.parameter, p.rule, p.error_code) for p in found] == [
        ("extensionId", "max-ids", "CMN-106")
    ]
    assert found[0].error().to_body()["message"] == "Batch request is limited to 30 entries"


def test_the_journal_records_violations_of_the_new_operations(admin: Api, client: Client):
    client.post("/_mock/reset")
    admin.get(f"{API}/extension", type="Nope")  # refused by the service too
    admin.get(f"{API}/extension", type="")  # served (no filter), but not the spec's
    admin.get(f"{API}/call-queues/abc/presence")
    admin.get(CALLS, view="Detailed")
    entries = client.get("/_mock/requests").get_json()["records"]
    assert [(e["path"], e["verdict"], e["status"]) for e in entries] == [
        (f"{API}/extension", "violation", 400),
        (f"{API}/extension", "violation", 200),
        (f"{API}/call-queues/abc/presence", "violation", 404),
        (CALLS, "ok", 200),
    ]
    violations = client.get("/_mock/violations").get_json()["records"]
    assert [v["problems"][0]["parameter"] for v in violations] == ["type", "type", "groupId"]


@pytest.fixture
def strict_api() -> Api:
    emulator = Emulator.from_settings(Settings(validate_responses=True, strict_requests=True))
    app = create_app(emulator=emulator)
    app.testing = True
    directory = emulator.directory
    return login(app.test_client(), directory, directory.accounts[0].administrator)


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        (f"{API}/call-queues/abc/presence", {}, "groupId"),  # served: 404 CMN-102
        (f"{API}/extension", {"type": ""}, "type"),  # served: 200, no filter
        (f"{API}/extension", {"status": "Active"}, "status"),
        (CALLS, {"direction": "Sideways"}, "direction"),
        (CALLS, {"view": "Full"}, "view"),
        (AGENT, {"editableMemberStatus": "maybe"}, "editableMemberStatus"),
    ],
)
def test_strict_mode_refuses_with_cmn_101_naming_the_parameter(strict_api, path, query, parameter):
    answer = strict_api.get(path, **query)
    assert answer.status_code == 400
    body = answer.get_json()
    assert (body["errorCode"], body["parameterName"]) == ("CMN-101", parameter)


def test_strict_mode_refuses_bodies_and_batches_with_their_own_codes(strict_api):
    ids = ",".join(str(100 + i) for i in range(31))
    batch = strict_api.get(f"{API}/extension/{ids}/unified-presence").get_json()
    assert batch["errorCode"] == "CMN-106"
    patch = strict_api.client.patch(
        UNIFIED, json={"telephony": {"visibility": "Visible"}}, headers=strict_api.headers()
    )
    assert patch.status_code == 400
    assert patch.get_json()["parameterName"] == "telephony.visibility"
    queue = strict_api.put(AGENT, raw=b"")
    assert queue.get_json()["errorCode"] == "CMN-103"


def test_strict_mode_serves_what_the_spec_allows(strict_api):
    assert strict_api.get(f"{API}/extension", status="").status_code == 200
    assert strict_api.get(CALLS, view="Detailed", perPage="max").status_code == 200
    assert strict_api.get(AGENT, editableMemberStatus="TRUE").status_code == 200
