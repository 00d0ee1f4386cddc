"""Account isolation: a token of one account reads and changes nothing in another, whatever IDs it
guesses (docs/contract.md#unknown-ids: 404 CMN-102 accountId, or extensionId under its own)."""

from __future__ import annotations

import email
import email.policy
import json

import pytest

NOT_FOUND_ACCOUNT = {
    "errorCode": "CMN-102",
    "message": "Resource for parameter [accountId] is not found",
    "parameterName": "accountId",
    "errors": [
        {
            "errorCode": "CMN-102",
            "message": "Resource for parameter [accountId] is not found",
            "parameterName": "accountId",
        }
    ],
}


def parts_of(answer):
    head = f"Content-Type: {answer.headers['Content-Type']}\r\n\r\n".encode()
    message = email.message_from_bytes(head + answer.get_data(), policy=email.policy.HTTP)
    return [json.loads(part.get_content()) for part in message.iter_parts()]


def other_ids(directory):
    other = directory.accounts[1]
    return str(other.id), [str(e.id) for e in other.extensions]


def test_every_read_of_the_other_account_is_404_account(admin, directory):
    other_account, other_exts = other_ids(directory)
    own_ext = str(admin.owner.id)
    for ext in [*other_exts, "~", own_ext]:
        for ids in (ext, f"{ext},{other_exts[0]}", f"{ext},{own_ext}"):
            answer = admin.get(f"/restapi/v1.0/account/{other_account}/extension/{ids}/presence")
            assert (answer.status_code, answer.get_json()) == (404, NOT_FOUND_ACCOUNT), ids
    listing = admin.get(f"/restapi/v1.0/account/{other_account}/presence", perPage=1000)
    assert (listing.status_code, listing.get_json()) == (404, NOT_FOUND_ACCOUNT)


def test_every_write_to_the_other_account_is_404_account(admin, directory):
    other_account, other_exts = other_ids(directory)
    for ext in [*other_exts, "~", str(admin.owner.id)]:
        answer = admin.put(
            f"/restapi/v1.0/account/{other_account}/extension/{ext}/presence",
            {"userStatus": "Offline"},
        )
        assert (answer.status_code, answer.get_json()) == (404, NOT_FOUND_ACCOUNT), ext


@pytest.mark.parametrize("account", ["~", "own"])
def test_the_other_accounts_extensions_are_unknown_under_the_own_account(admin, directory, account):
    account = str(admin.owner.account_id) if account == "own" else "~"
    _, other_exts = other_ids(directory)
    api = f"/restapi/v1.0/account/{account}"
    for ext in other_exts:
        one = admin.get(f"{api}/extension/{ext}/presence")
        assert (one.status_code, one.get_json()["parameterName"]) == (404, "extensionId")
        put = admin.put(f"{api}/extension/{ext}/presence", {"userStatus": "Offline"})
        assert (put.status_code, put.get_json()["parameterName"]) == (404, "extensionId")
    batch = admin.get(f"{api}/extension/{','.join(other_exts)}/presence")
    assert batch.status_code == 207
    status, *bodies = parts_of(batch)
    assert [item["status"] for item in status["response"]] == [404] * len(other_exts)
    assert all(body["errors"][0]["parameterName"] == "extensionId" for body in bodies)


def test_the_own_listing_holds_no_extension_of_the_other_account(admin, directory):
    _, other_exts = other_ids(directory)
    body = admin.get("/restapi/v1.0/account/~/presence", perPage=1000).get_json()
    listed = {str(r["extension"]["id"]) for r in body["records"]}
    assert listed and not listed & set(other_exts)


def test_failed_writes_changed_nothing_in_the_other_account(admin, outsider, directory):
    _, other_exts = other_ids(directory)
    before = outsider.get("/restapi/v1.0/account/~/presence", perPage=1000).get_json()
    for ext in other_exts:
        admin.put(f"/restapi/v1.0/account/~/extension/{ext}/presence", {"userStatus": "Offline"})
        admin.put(
            f"/restapi/v1.0/account/{directory.accounts[1].id}/extension/{ext}/presence",
            {"userStatus": "Offline"},
        )
    after = outsider.get("/restapi/v1.0/account/~/presence", perPage=1000).get_json()
    assert after == before


def test_the_other_direction_too(outsider, directory):
    own = directory.accounts[0]
    for ext in own.extensions[:10]:
        answer = outsider.get(f"/restapi/v1.0/account/{own.id}/extension/{ext.id}/presence")
        assert answer.status_code == 404
        answer = outsider.get(f"/restapi/v1.0/account/~/extension/{ext.id}/presence")
        assert answer.get_json()["parameterName"] == "extensionId"
