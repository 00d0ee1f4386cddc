"""The verdict of a request without query or body is kept by method and path, and is the same
verdict `check` gives; a small body's problems are kept by its bytes, and are the same problems
judging it again would find."""

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


def test_the_same_body_gets_the_same_problems_whether_judged_or_kept() -> None:
    put = f"{API}/extension/~/presence"
    bodies = [b'{"userStatus":"Nope"}', b'{"presenceStatus":"Busy"}', b"[1]", b"{", b""]
    for body in bodies:
        request_rules._judged.clear()
        judged = check_request(DescribedRequest("PUT", put, {}, body))
        kept = check_request(DescribedRequest("PUT", put, {}, body))
        assert kept == judged, body
        kept.append(kept[0] if kept else None)  # type: ignore[arg-type]
        assert check_request(DescribedRequest("PUT", put, {}, body)) == judged  # its own list
    assert [p.parameter for p in check_request(DescribedRequest("PUT", put, {}, bodies[0]))] == [
        "userStatus"
    ]


def test_what_is_kept_of_bodies_is_bounded_and_large_bodies_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    put = f"{API}/extension/~/presence"
    monkeypatch.setattr(request_rules, "JUDGED_KEPT", 3)
    request_rules._judged.clear()
    for n in range(10):
        check_request(DescribedRequest("PUT", put, {}, b'{"message":"%d"}' % n))
    assert 0 < len(request_rules._judged) <= 3
    request_rules._judged.clear()
    large = b'{"message":"' + b"x" * request_rules.JUDGED_BYTES + b'"}'
    assert check_request(DescribedRequest("PUT", put, {}, large)) != []  # too long a message
    assert request_rules._judged == {}
