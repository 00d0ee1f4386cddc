"""The JSON Schemas of schemas/: derived from the spec, and checking what they should."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from mockserver import schemas
from mockserver.schemas import MISSING, Problem, SchemaViolation
from tests.support.paths import REPO

SPEC = REPO / "spec" / "ringcentral-presence-openapi.yml"
BASE = "https://platform.ringcentral.com/restapi/v1.0/account/255537016"

Body = dict[str, Any]


# -- sample bodies, written by hand ---------------------------------------------------------------
def extension(ext_id: int = 255537017, number: str = "101") -> Body:
    return {"id": ext_id, "uri": f"{BASE}/extension/{ext_id}", "extensionNumber": number}


def full_record() -> Body:
    """A user's PresenceInfoResponse with detailedTelephonyState=true and sipData=true."""
    return {
        "uri": f"{BASE}/extension/255537017/presence",
        "extension": extension(),
        "presenceStatus": "Busy",
        "telephonyStatus": "CallConnected",
        "userStatus": "Available",
        "dndStatus": "TakeAllCalls",
        "dndStatusPersonal": "TakeAllCalls",
        "acceptCallQueueCalls": True,
        "message": "In a meeting until 3",
        "allowSeeMyPresence": True,
        "callerIdVisibility": "All",
        "ringOnMonitoredCall": False,
        "pickUpCallsOnHold": False,
        "meetingStatus": "Disconnected",
        "cxTelephonyStatus": "NoCall",
        "aggregatedTelephonyStatus": "CallConnected",
        "activeCalls": [
            {
                "id": "call-1",
                "direction": "Inbound",
                "queueCall": True,
                "from": "+16505550100",
                "fromName": "Ada Lovelace",
                "to": "101",
                "toName": "Support",
                "startTime": "2026-01-01T10:00:00.000Z",
                "telephonyStatus": "CallConnected",
                "sipData": {
                    "callId": "abc@10.0.0.1",
                    "toTag": "t1",
                    "fromTag": "f1",
                    "remoteUri": "sip:+16505550100@sip.ringcentral.com",
                    "localUri": "sip:101@sip.ringcentral.com",
                    "rcSessionId": "rc-1",
                },
                "sessionId": "s-1",
                "telephonySessionId": "ts-1",
                "onBehalfOf": "",
                "partyId": "p-1",
                "terminationType": "final",
                "callInfo": {
                    "primary": {"type": "QueueName", "value": "Support"},
                    "additional": {"type": "CallerIdNumber", "value": "+16505550100"},
                },
                "appearanceInfo": {"phoneNumber": "+16505550199", "appearanceNumber": 2},
            }
        ],
    }


def offline_record(ext_id: int = 255537018) -> Body:
    """The non-user shape (docs/contract.md#non-user-extensions)."""
    return {
        "uri": f"{BASE}/extension/{ext_id}/presence",
        "extension": extension(ext_id, "800"),
        "presenceStatus": "Offline",
    }


def account_page() -> Body:
    def link(page: int) -> Body:
        return {"uri": f"{BASE}/presence?page={page}&perPage=2"}

    return {
        "uri": f"{BASE}/presence?page=2&perPage=2",
        "records": [full_record(), offline_record()],
        "navigation": {
            "firstPage": link(1),
            "previousPage": link(1),
            "nextPage": link(3),
            "lastPage": link(3),
        },
        "paging": {
            "page": 2,
            "perPage": 2,
            "pageStart": 2,
            "pageEnd": 3,
            "totalPages": 3,
            "totalElements": 6,
        },
    }


def error_body() -> Body:
    message = "Resource for parameter [extensionId] is not found"
    item = {"errorCode": "CMN-102", "message": message, "parameterName": "extensionId"}
    return {
        "errorCode": "CMN-102",
        "message": message,
        "parameterName": "extensionId",
        "errors": [item],
    }


def token_body() -> Body:
    return {
        "access_token": "U1BCMDFUMDRKV1MwMXxzLFSvXdw5PHMsVLEn_MrtcyxUsw",
        "token_type": "bearer",
        "expires_in": 3600,
        "refresh_token": "U1BCMDFUMDRKV1MwMXxzLFL4ec6A0XMsUv9wLriecyxS_w",
        "refresh_token_expires_in": 604800,
        "scope": "ReadPresence EditPresence",
        "owner_id": "255537017",
        "endpoint_id": "8zXq6oaLT7WvwWITlGiA1A",
        "session_id": "session-1",
    }


def oauth_error_body() -> Body:
    """The OAuth error shape the platform answers (docs/contract.md#auth-oauth)."""
    item = {
        "errorCode": "OAU-153",
        "message": "Invalid client: ",
        "parameters": [{"parameterName": "client_id", "parameterValue": ""}],
    }
    return {"error": "invalid_client", "errors": [item], "error_description": "Invalid client: "}


def batch_status() -> Body:
    href = f"{BASE}/extension/{{}}/presence"
    return {
        "response": [
            {"href": href.format(1), "status": 200, "responseDescription": "OK"},
            {"href": href.format(2), "status": 404, "responseDescription": "Not Found"},
        ]
    }


def put_request() -> Body:
    return {
        "userStatus": "Busy",
        "dndStatus": "DoNotAcceptAnyCalls",
        "message": "x" * 75,
        "allowSeeMyPresence": False,
        "callerIdVisibility": "PermittedUsers",
    }


GOOD = [
    ("presence-info-response", full_record),
    ("presence-info-response", offline_record),
    ("account-presence-info", account_page),
    ("error", error_body),
    ("token-info", token_body),
    ("oauth-error", oauth_error_body),
    ("batch-status", batch_status),
    ("presence-info-request", put_request),
]


def only(found: list[Problem]) -> Problem:
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


# -- the files ------------------------------------------------------------------------------------
def test_committed_schemas_are_what_the_spec_derives() -> None:
    if not SPEC.is_file():
        pytest.fail(f"the spec is missing from the repository: expected {SPEC}")
    script = REPO / "tools" / "derive_schemas.py"
    # No --spec: the tool's default must be the repository's own copy.
    run = subprocess.run(
        [sys.executable, str(script), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, f"{run.stdout}{run.stderr}"


@pytest.mark.parametrize("name", schemas.SCHEMA_NAMES)
def test_every_file_is_a_standalone_2020_12_schema(name: str) -> None:
    path = schemas.schema_dir() / f"{name}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://presence-mock.local/schemas/{name}.json"
    assert schema["title"]


def test_the_bodies_the_emulator_uses_all_have_a_schema() -> None:
    needed = {
        "presence-info-response",
        "account-presence-info",
        "presence-paging-info",
        "presence-navigation-info",
        "get-presence-extension-info",
        "active-call-info",
        "detailed-call-info",
        "call-info-cq",
        "presence-info-request",
        "token-info",
        "error",
        "oauth-error",
        "batch-status",
    }
    assert needed <= set(schemas.SCHEMA_NAMES)


# -- good bodies ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "sample"), GOOD, ids=[f"{n}-{s.__name__}" for n, s in GOOD])
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_good_bodies_pass(name: str, sample: Any, strict: bool) -> None:
    schemas.check(name, sample(), strict=strict)


def test_error_items_may_carry_extra_attributes_even_strictly() -> None:
    # ApiError says additionalProperties: true ("arbitrary additional parameters").
    body = error_body()
    body["errors"][0]["permissionName"] = "ReadPresenceStatus"
    schemas.check("error", body, strict=True)
    assert schemas.undeclared_fields("error", body) == []


# -- bad bodies -----------------------------------------------------------------------------------
def test_wrong_enum_deep_in_an_account_page() -> None:
    page = account_page()
    page["records"][0]["presenceStatus"] = "Away"
    problem = only(schemas.problems("account-presence-info", page))
    assert (problem.path, problem.rule, problem.found) == (
        "$.records[0].presenceStatus",
        "enum",
        "Away",
    )
    assert problem.expected == ["Offline", "Busy", "Available"]


def test_put_message_over_75_characters() -> None:
    body = put_request()
    body["message"] = "x" * 76
    problem = only(schemas.problems("presence-info-request", body))
    assert (problem.path, problem.rule, problem.expected) == ("$.message", "maxLength", 75)


def test_extension_id_as_a_string() -> None:
    record = full_record()
    record["extension"]["id"] = "255537017"
    problem = only(schemas.problems("presence-info-response", record))
    assert (problem.path, problem.rule, problem.found) == ("$.extension.id", "type", "255537017")
    assert problem.expected == "integer"


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_refs_across_files_resolve_in_both_modes(strict: bool) -> None:
    record = full_record()
    record["activeCalls"][0]["callInfo"]["primary"]["type"] = "Queue"
    problem = only(schemas.problems("presence-info-response", record, strict=strict))
    assert problem.path == "$.activeCalls[0].callInfo.primary.type"
    assert problem.rule == "enum"


def test_unknown_field_fails_only_when_strict() -> None:
    record = full_record()
    record["presenseStatus"] = "Busy"
    record["activeCalls"][0]["sipData"]["branch"] = "z9hG4bK"
    assert schemas.problems("presence-info-response", record) == []
    found = schemas.problems("presence-info-response", record, strict=True)
    assert [(p.path, p.rule) for p in found] == [
        ("$.activeCalls[0].sipData.branch", "unevaluatedProperties"),
        ("$.presenseStatus", "unevaluatedProperties"),
    ]
    assert "presenceStatus" in found[1].expected


def test_missing_errors_in_an_error_body() -> None:
    body = error_body()
    del body["errors"]
    problem = only(schemas.problems("error", body))
    assert (problem.path, problem.rule, problem.found) == ("$.errors", "required", MISSING)


def test_empty_errors_list() -> None:
    body = error_body()
    body["errors"] = []
    problem = only(schemas.problems("error", body))
    assert (problem.path, problem.rule) == ("$.errors", "minItems")


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("presence-info-response", "uri", "/restapi/v1.0/account/1/extension/2/presence"),
        ("presence-info-response", "uri", "https://host/with space"),
        ("presence-info-response", "uri", "https://host/caf\u00e9"),
        ("batch-status", None, "not a uri"),
    ],
)
def test_uris_must_be_absolute(name: str, field: str | None, value: str) -> None:
    body = full_record() if name == "presence-info-response" else batch_status()
    if field:
        body[field] = value
    else:
        body["response"][0]["href"] = value
    assert [p.rule for p in schemas.problems(name, body)] == ["format"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-01-01T10:00:00Z", True),
        ("2026-01-01T10:00:00.499+01:00", True),
        ("2018-10-23T12:19:01.499+0000", False),  # as in the 2021 spec's example, not RFC 3339
        ("2026-02-30T10:00:00Z", False),
        ("yesterday", False),
    ],
)
def test_date_times_are_rfc_3339(value: str, ok: bool) -> None:
    record = full_record()
    record["activeCalls"][0]["startTime"] = value
    assert (schemas.problems("presence-info-response", record) == []) is ok


# -- undeclared fields and the error text ---------------------------------------------------------
def test_undeclared_fields_are_listed_by_path() -> None:
    page = account_page()
    page["records"][1]["extension"]["type"] = "Department"
    page["paging"]["hasMore"] = False
    assert sorted(schemas.undeclared_fields("account-presence-info", page)) == [
        "$.paging.hasMore",
        "$.records[1].extension.type",
    ]
    assert schemas.undeclared_fields("account-presence-info", account_page()) == []


def test_odd_keys_are_quoted_in_paths() -> None:
    record = full_record()
    record["x-rc-trace"] = 1
    assert schemas.undeclared_fields("presence-info-response", record) == ["$['x-rc-trace']"]


def test_violation_text_names_path_rule_found_and_expected() -> None:
    page = account_page()
    page["records"][0]["presenceStatus"] = "Away"
    with pytest.raises(SchemaViolation) as raised:
        schemas.check("account-presence-info", page)
    text = str(raised.value)
    assert "account-presence-info" in text
    assert "$.records[0].presenceStatus" in text
    assert "enum" in text
    assert "'Away'" in text
    assert "'Offline', 'Busy', 'Available'" in text
    assert raised.value.errors[0].path == "$.records[0].presenceStatus"


def test_violation_text_of_a_missing_and_a_long_value() -> None:
    body = {"message": "x" * 80}
    with pytest.raises(SchemaViolation) as raised:
        schemas.check("error", body)
    text = str(raised.value)
    assert "$.errors: required: found <missing>" in text
    with pytest.raises(SchemaViolation) as raised:
        schemas.check("presence-info-request", body)
    assert "(80 characters), expected at most 75 characters" in str(raised.value)


def test_a_violation_is_an_assertion_error() -> None:
    assert issubclass(SchemaViolation, AssertionError)


# -- the module's plumbing ------------------------------------------------------------------------
def test_validators_are_cached_per_mode() -> None:
    assert schemas.validator("error") is schemas.validator("error")
    assert schemas.validator("error", strict=True) is not schemas.validator("error")


def test_unknown_schema_name() -> None:
    with pytest.raises(KeyError, match="presence-info-response"):
        schemas.validator("presence-info")


def test_schema_dir_holds_every_schema() -> None:
    directory = schemas.schema_dir()
    assert {p.stem for p in directory.glob("*.json")} == set(schemas.SCHEMA_NAMES)
