"""GET account presence: paging, navigation, flags, non-users (docs/contract.md#paging,
#non-user-extensions)."""

import pytest

from mockserver.directory.model import NON_USER_TYPES

PATH = "/restapi/v1.0/account/~/presence"


def test_default_page_holds_every_extension_once(admin, directory):
    body = admin.get(PATH).get_json()
    account = directory.accounts[0]
    assert [r["extension"]["id"] for r in body["records"]] == [e.id for e in account.extensions]
    assert body["paging"] == {
        "page": 1,
        "totalPages": 1,
        "perPage": 100,
        "totalElements": len(account.extensions),
        "pageStart": 0,
        "pageEnd": len(account.extensions) - 1,
    }
    assert set(body["navigation"]) == {"firstPage", "lastPage"}
    base = f"http://localhost/restapi/v1.0/account/{account.id}/presence"
    assert body["uri"] == f"{base}?page=1&perPage=100"


def test_walking_the_pages_sees_each_extension_exactly_once(admin, directory):
    seen, uri, pages = [], f"http://localhost{PATH}?perPage=7", 0
    while uri:
        body = admin.client.get(uri, headers=admin.headers()).get_json()
        seen += [r["extension"]["id"] for r in body["records"]]
        uri = body["navigation"].get("nextPage", {}).get("uri")
        pages += 1
    expected = [e.id for e in directory.accounts[0].extensions]
    assert seen == expected
    assert pages == -(-len(expected) // 7)


def test_a_middle_page_has_all_four_links(admin, directory):
    body = admin.get(PATH, page="2", perPage="10").get_json()
    base = f"http://localhost/restapi/v1.0/account/{directory.accounts[0].id}/presence"
    assert {k: v["uri"] for k, v in body["navigation"].items()} == {
        "firstPage": f"{base}?page=1&perPage=10",
        "nextPage": f"{base}?page=3&perPage=10",
        "previousPage": f"{base}?page=1&perPage=10",
        "lastPage": f"{base}?page=6&perPage=10",
    }
    assert body["paging"]["pageStart"] == 10 and body["paging"]["pageEnd"] == 19


def test_a_page_past_the_end_is_empty(admin, directory):
    answer = admin.get(PATH, page="99", perPage="10")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["records"] == []
    assert body["paging"] == {"page": 99, "perPage": 10, "totalPages": 6, "totalElements": 60}
    assert "nextPage" not in body["navigation"]
    assert body["navigation"]["lastPage"]["uri"].endswith("page=6&perPage=10")


def test_per_page_above_1000_is_clamped(admin):
    body = admin.get(PATH, perPage="5000").get_json()
    assert body["paging"]["perPage"] == 1000
    assert "perPage=1000" in body["uri"]


@pytest.mark.parametrize(
    ("name", "raw"),
    [("page", "0")] + [(n, r) for n in ("page", "perPage") for r in ("-1", "x", "2.5", "")],
)
def test_bad_paging_values_are_cmn_101(admin, name, raw):
    answer = admin.get(PATH, **{name: raw})
    assert answer.status_code == 400
    assert answer.get_json()["errors"][0]["parameterName"] == name
    assert answer.get_json()["errorCode"] == "CMN-101"


def test_non_users_are_offline_in_the_listing(admin, directory):
    records = admin.get(PATH, detailedTelephonyState="true").get_json()["records"]
    by_id = {e.id: e for e in directory.accounts[0].extensions}
    non_users = [r for r in records if by_id[r["extension"]["id"]].type in NON_USER_TYPES]
    assert len(non_users) >= 9
    for record in non_users:
        assert set(record) == {"uri", "extension", "presenceStatus"}
        assert record["presenceStatus"] == "Offline"


def test_detailed_listing_has_calls_and_flags_carry_into_links(admin):
    body = admin.get(PATH, perPage="10", detailedTelephonyState="TRUE").get_json()
    assert "detailedTelephonyState=TRUE" in body["navigation"]["nextPage"]["uri"]
    users = [r for r in body["records"] if "userStatus" in r]
    assert users and all("activeCalls" in r for r in users)


def test_second_account_sees_only_itself(outsider, directory):
    body = outsider.get(PATH).get_json()
    assert [r["extension"]["id"] for r in body["records"]] == [
        e.id for e in directory.accounts[1].extensions
    ]


def test_other_account_listing_is_404_account(admin, directory):
    answer = admin.get(f"/restapi/v1.0/account/{directory.accounts[1].id}/presence")
    assert answer.status_code == 404
    assert answer.get_json()["parameterName"] == "accountId"


def test_per_page_zero_is_an_empty_result(admin, directory):
    """perPage=0 is valid (docs/contract.md#paging): no records, no page, pageStart, pageEnd."""
    answer = admin.get(PATH, perPage="0")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["records"] == []
    total = len(directory.accounts[0].extensions)
    assert body["paging"] == {"totalPages": 0, "perPage": 0, "totalElements": total}
    assert set(body["navigation"]) == {"firstPage", "lastPage"}
    assert body["navigation"]["firstPage"]["uri"].endswith("?page=1&perPage=0")
