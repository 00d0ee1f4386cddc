"""Paging arithmetic and navigation links (docs/contract.md#paging)."""

import pytest

from mockserver.errors import InvalidParameter
from mockserver.presence.paging import MAX_PER_PAGE, Page, positive_int

BASE = "http://h/restapi/v1.0/account/1/presence"


@pytest.mark.parametrize(
    ("number", "per_page", "total", "pages", "start", "end"),
    [
        (1, 100, 60, 1, 0, 59),
        (2, 25, 60, 3, 25, 49),
        (3, 25, 60, 3, 50, 59),
        (1, 1, 1, 1, 0, 0),
        (7, 10, 70, 7, 60, 69),
    ],
)
def test_page_arithmetic(number, per_page, total, pages, start, end):
    page = Page.of(number, per_page, total)
    assert page.total_pages == pages
    assert page.paging() == {
        "page": number,
        "totalPages": pages,
        "perPage": per_page,
        "totalElements": total,
        "pageStart": start,
        "pageEnd": end,
    }


def test_a_page_past_the_end_has_no_start_or_end():
    assert Page.of(4, 25, 60).paging() == {
        "page": 4,
        "totalPages": 3,
        "perPage": 25,
        "totalElements": 60,
    }


def test_per_page_is_clamped_to_1000():
    assert Page.of(1, 5000, 3000).per_page == MAX_PER_PAGE == 1000


def test_navigation_on_the_first_page_has_no_previous():
    nav = Page.of(1, 25, 60).navigation(BASE)
    assert set(nav) == {"firstPage", "nextPage", "lastPage"}
    assert nav["nextPage"]["uri"] == f"{BASE}?page=2&perPage=25"
    assert nav["lastPage"]["uri"] == f"{BASE}?page=3&perPage=25"


def test_navigation_in_the_middle_has_all_four():
    nav = Page.of(2, 25, 60).navigation(BASE)
    assert {k: v["uri"] for k, v in nav.items()} == {
        "firstPage": f"{BASE}?page=1&perPage=25",
        "nextPage": f"{BASE}?page=3&perPage=25",
        "previousPage": f"{BASE}?page=1&perPage=25",
        "lastPage": f"{BASE}?page=3&perPage=25",
    }


def test_navigation_on_the_last_page_has_no_next():
    assert set(Page.of(3, 25, 60).navigation(BASE)) == {"firstPage", "previousPage", "lastPage"}


def test_single_page_has_only_first_and_last():
    assert set(Page.of(1, 100, 60).navigation(BASE)) == {"firstPage", "lastPage"}


def test_navigation_keeps_extra_query():
    nav = Page.of(1, 10, 60).navigation(BASE, {"detailedTelephonyState": "true"})
    assert nav["nextPage"]["uri"] == f"{BASE}?page=2&perPage=10&detailedTelephonyState=true"


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "", "1.5", " 2", "+3", "2147483648", "1e3"])
def test_bad_page_values_are_cmn_101_naming_the_parameter(raw):
    with pytest.raises(InvalidParameter) as caught:
        positive_int(raw, "perPage", 100)
    assert caught.value.to_body()["errors"][0] == {
        "errorCode": "CMN-101",
        "message": "Parameter [perPage] value is invalid.",
        "parameterName": "perPage",
    }


@pytest.mark.parametrize(
    ("raw", "value"), [(None, 100), ("1", 1), ("007", 7), ("2147483647", 2**31 - 1)]
)
def test_good_page_values(raw, value):
    assert positive_int(raw, "perPage", 100) == value
