"""readAccountInfo, listExtensions, readExtension and listExtensionActiveCalls: their filters'
400s, their 403s and 404s (docs/contract.md#directory, #active-calls; decisions ACT-1, DIR-1)."""

from __future__ import annotations

import pytest

from mockserver.directory.model import Directory
from tests.support.answers import assert_error, find

API = "/restapi/v1.0/account/~"
LIST = f"{API}/extension"


# -- listExtensions ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"type": "CallQueue"}, "type"),
        ({"type": "user"}, "type"),  # enum values are matched exactly
        ({"type": ["User", "Nope"]}, "type"),  # one bad value among good ones
        ({"status": "Active"}, "status"),
        ({"status": ["Enabled", "enabled"]}, "status"),
        ({"extensionNumber": "123456789"}, "extensionNumber"),
        ({"email": "a" * 255}, "email"),
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"perPage": "0"}, "perPage"),
        ({"perPage": "max"}, "perPage"),
        ({"perPage": "-1"}, "perPage"),
    ],
)
def test_list_filters_outside_the_spec_are_cmn_101(admin, query, parameter):
    answer = admin.get(LIST, **query)
    body = assert_error(answer, 400, "CMN-101", parameterName=parameter)
    assert body["message"] == f"Parameter [{parameter}] value is invalid."
    assert answer.headers["X-Rate-Limit-Group"] == "medium"


def test_list_filters_inside_the_spec_are_served(admin, directory):
    users = admin.get(LIST, type="User", perPage="1000").get_json()["records"]
    assert users and all(r["type"] == "User" for r in users)
    both = admin.get(LIST, type=["User", "Department"], perPage="1000").get_json()["records"]
    assert {r["type"] for r in both} == {"User", "Department"}
    assert admin.get(LIST, status="").status_code == 200  # allowEmptyValue: no filter
    assert admin.get(LIST, status="Unassigned").get_json()["records"] == []


def test_list_of_another_account_is_an_account_id_404(outsider, directory):
    account = directory.accounts[0]
    path = f"/restapi/v1.0/account/{account.id}/extension"
    assert_error(outsider.get(path), 404, "CMN-102", parameterName="accountId")
    assert_error(outsider.get("/restapi/v1.0/account/abc/extension"), 404, "CMN-102")


# -- readAccountInfo and readExtension ---------------------------------------------------------
def test_account_info_of_another_account_is_an_account_id_404(outsider, admin, directory):
    account = directory.accounts[0]
    assert admin.get(f"/restapi/v1.0/account/{account.id}").status_code == 200
    for answer in (
        outsider.get(f"/restapi/v1.0/account/{account.id}"),
        admin.get("/restapi/v1.0/account/1"),
        admin.get("/restapi/v1.0/account/x"),
    ):
        assert_error(answer, 404, "CMN-102", parameterName="accountId")


@pytest.mark.parametrize("extension", ["999", "abc", "-1"])
def test_an_unknown_extension_is_an_extension_id_404(admin, extension):
    answer = admin.get(f"{LIST}/{extension}")
    body = assert_error(answer, 404, "CMN-102", parameterName="extensionId")
    assert body["message"] == "Resource for parameter [extensionId] is not found"
    assert answer.headers["X-Rate-Limit-Group"] == "light"


def test_another_accounts_extension_is_not_found(admin, directory):
    theirs = directory.accounts[1].administrator
    assert_error(admin.get(f"{LIST}/{theirs.id}"), 404, "CMN-102", parameterName="extensionId")


# -- listExtensionActiveCalls ------------------------------------------------------------------
def calls_path(extension: object = "~") -> str:
    return f"{LIST}/{extension}/active-calls"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"view": "Full"}, "view"),
        ({"view": ""}, "view"),
        ({"direction": "Sideways"}, "direction"),
        ({"direction": ["Inbound", "inbound"]}, "direction"),
        ({"type": "Video"}, "type"),
        ({"transport": "Satellite"}, "transport"),
        ({"conferenceType": "Webinar"}, "conferenceType"),
        ({"perPage": "0"}, "perPage"),
        ({"perPage": "MAX"}, "perPage"),
        ({"page": "0"}, "page"),
    ],
)
def test_active_call_filters_outside_the_spec_are_cmn_101(admin, query, parameter):
    answer = admin.get(calls_path(), **query)
    assert_error(answer, 400, "CMN-101", parameterName=parameter)
    assert answer.headers["X-Rate-Limit-Group"] == "heavy"


def test_active_call_filters_inside_the_spec_are_served(admin, directory):
    caller = find(directory, lambda e: len(e.active_calls) > 1 and not e.admin)
    path = calls_path(caller.id)
    everything = admin.get(path, view="Detailed", perPage="max").get_json()["records"]
    assert everything and all(r["legs"][0]["master"] for r in everything)
    outbound = admin.get(path, direction="Outbound").get_json()["records"]
    assert all(r["direction"] == "Outbound" for r in outbound)
    assert admin.get(path, type="Fax").get_json()["records"] == []


def test_a_standard_user_may_not_read_a_colleagues_calls(user, directory):
    other = find(directory, lambda e: e.type.is_user and e.id != user.owner.id)
    answer = user.get(calls_path(other.id))
    body = assert_error(answer, 403, "CMN-408", permissionName="ReadCallLog")
    assert body["message"] == "[ReadCallLog] permission required"
    assert user.get(calls_path()).status_code == 200


@pytest.mark.parametrize("extension", ["999", "abc"])
def test_active_calls_of_an_unknown_extension_are_a_404(admin, extension):
    assert_error(admin.get(calls_path(extension)), 404, "CMN-102", parameterName="extensionId")


def test_active_calls_of_another_account_are_an_account_id_404(outsider, directory: Directory):
    mine = directory.accounts[0].administrator
    path = f"/restapi/v1.0/account/{mine.account_id}/extension/{mine.id}/active-calls"
    assert_error(outsider.get(path), 404, "CMN-102", parameterName="accountId")
