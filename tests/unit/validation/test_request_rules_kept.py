"""The verdict of a request without query or body is kept by method and path, and is the same
verdict `check` gives."""

from __future__ import annotations

import pytest

from mockserver.http import DescribedRequest
from mockserver.validation import request_rules
from mockserver.validation.request_rules import check, check_request

API = "/restapi/v1.0/account/~"


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/extension/~/presence",
        f"{API}/extension/abc/presence",
        "/restapi/v1.0/account/x1/presence",
        f"{API}/nowhere",
    ],
)
def test_a_plain_request_gets_the_verdict_of_check_every_time(path: str) -> None:
    request = DescribedRequest("GET", path, {}, b"")
    expected = check(request)
    assert check_request(request) == expected
    again = check_request(request)
    assert again == expected
    again.append(again[0] if again else None)  # type: ignore[arg-type]
    assert check_request(request) == expected  # a caller's list is its own


def test_a_query_or_a_body_is_judged_each_time() -> None:
    path = f"{API}/presence"
    assert check_request(DescribedRequest("GET", path, {"perPage": ["0x"]}, b"")) != []
    assert check_request(DescribedRequest("GET", path, {"perPage": ["5"]}, b"")) == []
    put = f"{API}/extension/~/presence"
    assert check_request(DescribedRequest("PUT", put, {}, b'{"userStatus":"Nope"}')) != []
    assert check_request(DescribedRequest("PUT", put, {}, b'{"userStatus":"Busy"}')) == []


def test_the_kept_verdicts_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(request_rules, "_PLAIN_PATHS", 3)
    for n in range(10):
        check_request(DescribedRequest("GET", f"{API}/extension/{n}/presence", {}, b""))
    assert len(request_rules._plain) <= 3
