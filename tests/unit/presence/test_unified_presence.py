"""Unified presence: the batch limit, PATCH bodies and rights, and not-found answers
(docs/contract.md#unified-presence; decisions UNI-1 to UNI-4)."""

from __future__ import annotations

import pytest

from mockserver.directory.model import Directory
from tests.support.answers import assert_error, find
from tests.support.login import Api

API = "/restapi/v1.0/account/~"
MINE = f"{API}/extension/~/unified-presence"


def patch(api: Api, path: str, body: object = None, raw: bytes | None = None):
    if raw is not None:
        return api.client.patch(path, data=raw, headers=api.headers())
    return api.client.patch(path, json=body, headers=api.headers())


def user_ids(directory: Directory, count: int) -> list[str]:
    return [str(e.id) for e in directory.accounts[0].extensions if e.type.is_user][:count]


# -- the batch ---------------------------------------------------------------------------------
def test_thirty_ids_are_a_207_array_in_request_order(admin, directory):
    ids = user_ids(directory, 30)
    answer = admin.get(f"{API}/extension/{','.join(ids)}/unified-presence")
    assert answer.status_code == 207
    assert answer.content_type == "application/json"
    assert [item["resourceId"] for item in answer.get_json()] == ids


def test_more_than_thirty_ids_is_cmn_106(admin, directory):
    ids = user_ids(directory, 31)
    answer = admin.get(f"{API}/extension/{','.join(ids)}/unified-presence")
    body = assert_error(answer, 400, "CMN-106")
    assert body["message"] == "Batch request is limited to 30 entries"
    assert answer.headers["X-Rate-Limit-Group"] == "medium"


def test_an_unknown_or_non_user_id_is_its_own_404_item(admin, directory):
    department = find(directory, lambda e: e.type.value == "Department")
    ids = [user_ids(directory, 1)[0], "999", str(department.id)]
    items = admin.get(f"{API}/extension/{','.join(ids)}/unified-presence").get_json()
    assert [(i["resourceId"], i["status"]) for i in items] == [
        (ids[0], 200),
        ("999", 404),
        (str(department.id), 404),
    ]
    assert items[1]["body"]["errors"][0]["parameterName"] == "contactId"
    # The recorded 404 item has errors[] only (decision FID-6).
    assert set(items[1]["body"]) == {"errors"}


# -- PATCH: bodies ------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [b"", b"not json", b"[]", b"42", b'{"glip": '])
def test_a_patch_body_that_is_not_a_json_object_is_cmn_103(user, raw):
    body = assert_error(patch(user, MINE, raw=raw), 400, "CMN-103")
    assert body["message"] == "JSON can't be parsed."


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"glip": "DND"}, "glip"),
        ({"telephony": ["TakeAllCalls"]}, "telephony"),
        ({"glip": {"availability": "Away"}}, "glip.availability"),
        ({"glip": {"availability": "dnd"}}, "glip.availability"),
        ({"glip": {"visibility": "Hidden"}}, "glip.visibility"),
        ({"glip": {"visibility": True}}, "glip.visibility"),
        ({"telephony": {"availability": "DoNotAcceptDepartmentCalls"}}, "telephony.availability"),
        ({"telephony": {"availability": 0}}, "telephony.availability"),
    ],
)
def test_a_wrong_type_or_unknown_value_is_cmn_101_naming_the_field(user, body, parameter):
    before = user.get(MINE).get_json()
    answer = patch(user, MINE, body)
    assert_error(answer, 400, "CMN-101", parameterName=parameter)
    assert answer.get_json()["message"] == f"Parameter [{parameter}] value is invalid."
    assert user.get(MINE).get_json() == before  # nothing changed


def test_a_good_patch_changes_what_it_names(user):
    answer = patch(user, MINE, {"glip": {"availability": "DND"}})
    assert answer.status_code == 200
    assert answer.get_json()["glip"]["availability"] == "DND"
    assert answer.get_json()["status"] == "DND"


# -- PATCH: rights and not found ---------------------------------------------------------------
def test_nobody_patches_someone_else_not_even_the_admin(admin, user):
    for api, other in ((admin, user.owner), (user, admin.owner)):
        path = f"{API}/extension/{other.id}/unified-presence"
        before = api.get(path).get_json()
        body = assert_error(
            patch(api, path, {"glip": {"availability": "DND"}}),
            403,
            "CMN-408",
            permissionName="EditPresenceStatus",
        )
        assert body["message"] == "[EditPresenceStatus] permission required"
        assert api.get(path).get_json() == before


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_unknown_and_non_user_extensions_are_contact_id_404s(admin, directory, method):
    department = find(directory, lambda e: e.type.value == "Department")
    for extension in ("999", "abc", str(department.id)):
        path = f"{API}/extension/{extension}/unified-presence"
        answer = admin.get(path) if method == "GET" else patch(admin, path, {"glip": {}})
        body = assert_error(answer, 404, "CMN-102", parameterName="contactId")
        assert body["message"] == "Resource for parameter [contactId] is not found."


def test_another_account_is_an_account_id_404(outsider, directory):
    mine = directory.accounts[0].administrator
    path = f"/restapi/v1.0/account/{mine.account_id}/extension/{mine.id}/unified-presence"
    assert_error(outsider.get(path), 404, "CMN-102", parameterName="accountId")
    refused = patch(outsider, path, {"glip": {"availability": "DND"}})
    assert_error(refused, 404, "CMN-102", parameterName="accountId")
