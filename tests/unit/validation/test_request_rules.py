"""Client validation: the request rules, the journal and --strict-requests (decisions REQ-1 to
REQ-4)."""

from __future__ import annotations

import pytest

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.http import DescribedRequest
from mockserver.scaleout import SharedJournal
from mockserver.storage.memory import MemoryStore
from mockserver.validation.request_journal import Journal
from mockserver.validation.request_rules import check

API = "/restapi/v1.0/account/~"
ME = f"{API}/extension/~/presence"


def problems_of(method: str, path: str, query: str = "", body: bytes = b"") -> list[tuple]:
    found = check(DescribedRequest.build(method, path, query, body=body))
    return [(p.parameter, p.rule) for p in found]


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("GET", f"{API}/extension/~/presence", "detailedTelephonyState=True&sipData=false", b""),
        ("GET", f"{API}/extension/101,102/presence", "", b""),
        ("GET", "/restapi/v1.0/account/123/presence", "page=2&perPage=1000", b""),
        ("PUT", ME, "", b'{"userStatus": "Busy", "message": ""}'),
        ("PUT", f"{API}/extension/~/presence", "", b""),
        ("POST", "/restapi/oauth/token", "", b"grant_type=x"),
    ],
)
def test_requests_the_platform_accepts_have_no_problems(method, path, query, body):
    assert problems_of(method, path, query, body) == []


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "expected"),
    [
        ("GET", f"{API}/presence", "perPage=-5", b"", [("perPage", "positive-integer")]),
        ("GET", f"{API}/presence", "page=-1", b"", [("page", "positive-integer")]),
        ("GET", f"{API}/presence", "perpage=5", b"", [("perpage", "known-parameter")]),
        ("GET", f"{API}/presence", "page=1&page=2", b"", [("page", "single-value")]),
        ("GET", f"{API}/extension/~/presence", "sipData=yes", b"", [("sipData", "boolean")]),
        ("GET", f"{API}/extension/~/presence", "page=1", b"", [("page", "known-parameter")]),
        ("GET", f"{API}/extension/abc/presence", "", b"", [("extensionId", "id")]),
        ("GET", "/restapi/v1.0/account/me/presence", "", b"", [("accountId", "id")]),
        ("PUT", f"{API}/extension/1,2/presence", "", b"{}", [("extensionId", "single-id")]),
        ("PUT", ME, "", b'{"userStatus": "Away"}', [("userStatus", "enum")]),
        ("PUT", f"{API}/extension/~/presence", "", b'{"presenceStatus": "Busy"}',
         [("presenceStatus", "unevaluatedProperties")]),
        ("PUT", ME, "", b'{"mood": 1}', [("mood", "unevaluatedProperties")]),
        ("PUT", f"{API}/extension/~/presence", "", b"not json", [("body", "json")]),
        ("GET", "/restapi/v1.0/nothing", "", b"", [("uri", "endpoint")]),
    ],
)  # fmt: skip
def test_violations_name_the_parameter(method, path, query, body, expected):
    assert problems_of(method, path, query, body) == expected


def test_thirty_ids_pass_and_thirty_one_break_the_limit():
    thirty = ",".join(str(100 + i) for i in range(30))
    assert problems_of("GET", f"{API}/extension/{thirty}/presence") == []
    found = check(DescribedRequest.build("GET", f"{API}/extension/{thirty},999/presence"))
    assert [(p.parameter, p.rule, p.error_code) for p in found] == [
        ("extensionId", "max-ids", "InvalidMultipartRequest")
    ]


def test_journal_is_bounded_and_hides_tokens():
    journal = Journal(MemoryStore(), limit=3)
    for number in range(5):
        request = DescribedRequest.build(
            "GET", f"{API}/presence", f"page={number + 1}&access_token=SECRET"
        )
        journal.record(request, [], 200)
    entries = journal.entries()
    assert [e["query"]["page"] for e in entries] == [["3"], ["4"], ["5"]]
    assert all(e["query"]["access_token"] == ["***"] for e in entries)


def test_one_journal_for_every_process_sharing_the_store(tmp_path):
    from mockserver.storage import store_from_url

    url = f"sqlite://{tmp_path / 'journal.db'}"
    first = SharedJournal(store_from_url(url))
    second = SharedJournal(store_from_url(url))
    first.record(DescribedRequest.build("GET", f"{API}/presence", "page=1"), [], 200)
    second.record(DescribedRequest.build("GET", f"{API}/presence", "page=2"), [], 200)
    first.record(DescribedRequest.build("GET", f"{API}/presence", "page=3"), [], 200)
    # Each process's batch reaches the store within a batch period; the read waits it out.
    assert [e["query"]["page"] for e in second.entries()] == [["1"], ["2"], ["3"]]
    straggler = DescribedRequest.build("GET", f"{API}/presence", "page=4")
    first.record(straggler, [], 200)  # gathered before the clear, written after it
    second.clear()
    assert first.entries() == [] == second.entries()
    second.record(DescribedRequest.build("GET", f"{API}/presence", "page=5"), [], 200)
    assert [e["query"]["page"] for e in first.entries()] == [["5"]]


def test_a_shared_journal_writes_to_the_store_only_when_read(tmp_path):
    import time

    from mockserver.storage import store_from_url

    url = f"sqlite://{tmp_path / 'lazy.db'}"
    worker, reader = (
        SharedJournal(store_from_url(url), limit=3),
        SharedJournal(store_from_url(url), limit=3),
    )
    for page in range(1, 6):
        worker.record(DescribedRequest.build("GET", f"{API}/presence", f"page={page}"), [], 200)
    time.sleep(0.3)  # three flush periods: nothing asked for the entries, nothing written
    assert worker.store.entries("journal") == []
    assert [e["query"]["page"] for e in reader.entries()] == [["3"], ["4"], ["5"]]


def test_journal_endpoints_record_verdicts_and_reset_clears(admin, client):
    client.post("/_mock/reset")
    admin.get(f"{API}/presence", perPage="-5")
    admin.get(f"{API}/extension/~/presence")
    client.get("/_mock/health")  # not a /restapi request: not journalled
    entries = client.get("/_mock/requests").get_json()["records"]
    assert [(e["method"], e["path"], e["verdict"], e["status"]) for e in entries] == [
        ("GET", f"{API}/presence", "violation", 400),
        ("GET", f"{API}/extension/~/presence", "ok", 200),
    ]
    (violation,) = client.get("/_mock/violations").get_json()["records"]
    assert violation["query"] == {"perPage": ["-5"]}
    assert violation["problems"][0]["parameter"] == "perPage"
    client.post("/_mock/reset")
    assert client.get("/_mock/requests").get_json() == {"records": []}


def test_lenient_mode_serves_a_violating_request(admin):
    answer = admin.put(f"{API}/extension/~/presence", {"userStatus": "Busy", "mood": "great"})
    # the platform ignores unknown fields (docs/contract.md#presence-put)
    assert answer.status_code == 200


@pytest.fixture
def strict_api():
    from mockserver.web.app import create_app
    from tests.support.login import login

    emulator = Emulator.from_settings(Settings(validate_responses=True, strict_requests=True))
    client = create_app(emulator=emulator).test_client()
    return login(client, emulator.directory, emulator.directory.accounts[0].administrator)


def test_strict_mode_refuses_with_the_platforms_400(strict_api):
    answer = strict_api.put(f"{API}/extension/~/presence", {"userStatus": "Busy", "mood": "x"})
    assert answer.status_code == 400
    assert answer.get_json()["errorCode"] == "CMN-101"
    assert answer.get_json()["parameterName"] == "mood"
    unknown = strict_api.get(f"{API}/presence", perpage="5")
    assert unknown.get_json()["parameterName"] == "perpage"
    ids = ",".join(str(100 + i) for i in range(31))
    assert strict_api.get(f"{API}/extension/{ids}/presence").get_json()["errorCode"] == (
        "InvalidMultipartRequest"
    )
    assert strict_api.get(f"{API}/extension/~/presence").status_code == 200


def test_strict_requests_reads_its_environment_variable():
    settings = Settings.from_env({"PRESENCE_MOCK_STRICT_REQUESTS": "1"})
    assert settings.strict_requests is True


def test_a_body_missing_a_required_property_is_journalled_as_json(client):
    """The subscription bodies have required properties; their absence must not
    break /_mock/violations (a fuzz find: the schema's MISSING marker reached the journal)."""
    client.post("/restapi/v1.0/subscription", json={"expiresIn": 60})
    answer = client.get("/_mock/violations")
    assert answer.status_code == 200
    [entry] = [e for e in answer.get_json()["records"] if e["path"] == "/restapi/v1.0/subscription"]
    assert "<missing>" in [p["found"] for p in entry["problems"]]
