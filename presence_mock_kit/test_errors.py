"""Error bodies for bad input: CMN-101 naming the parameter, 404 CMN-102, 401 without a token."""

from __future__ import annotations

import pytest

from .checks import ACCOUNT, SINGLE, error_body
from .client import API, Target
from .findings import Verdict

UNKNOWN = "424242424242"
BAD_INPUT = [
    pytest.param(SINGLE, f"{API}/extension/~/presence", {"detailedTelephonyState": "maybe"},
                 "detailedTelephonyState", id="single-detailedTelephonyState",
                 marks=pytest.mark.endpoint(SINGLE)),
    pytest.param(SINGLE, f"{API}/extension/~/presence", {"sipData": "maybe"}, "sipData",
                 id="single-sipData", marks=pytest.mark.endpoint(SINGLE)),
    pytest.param(ACCOUNT, f"{API}/presence", {"detailedTelephonyState": "maybe"},
                 "detailedTelephonyState", id="account-detailedTelephonyState",
                 marks=pytest.mark.endpoint(ACCOUNT)),
    pytest.param(ACCOUNT, f"{API}/presence", {"page": "0"}, "page", id="account-page-0",
                 marks=pytest.mark.endpoint(ACCOUNT)),
    pytest.param(ACCOUNT, f"{API}/presence", {"perPage": "-1"}, "perPage", id="account-perPage--1",
                 marks=pytest.mark.endpoint(ACCOUNT)),
    pytest.param(ACCOUNT, f"{API}/presence", {"perPage": "ten"}, "perPage",
                 id="account-perPage-ten", marks=pytest.mark.endpoint(ACCOUNT)),
]  # fmt: skip


@pytest.mark.parametrize(("endpoint", "path", "query", "parameter"), BAD_INPUT)
def test_bad_input_is_cmn_101_naming_the_parameter(
    target: Target,
    verdict: Verdict,
    endpoint: str,
    path: str,
    query: dict[str, str],
    parameter: str,
) -> None:
    # A bad page/perPage or view flag: 400 CMN-101 naming the parameter
    # (docs/contract.md#paging, docs/contract.md#view-flags).
    error_body(verdict, target.get(path, query), 400, "CMN-101", parameter)
    verdict.settle()


@pytest.mark.endpoint(SINGLE)
def test_unknown_extension_is_404_cmn_102(target: Target, verdict: Verdict) -> None:
    answer = target.get(f"{API}/extension/{UNKNOWN}/presence")
    error_body(verdict, answer, 404, "CMN-102", "extensionId")  # docs/contract.md#unknown-ids
    verdict.settle()


@pytest.mark.endpoint(ACCOUNT)
def test_unknown_account_is_404_cmn_102(target: Target, verdict: Verdict) -> None:
    answer = target.get(f"/restapi/v1.0/account/{UNKNOWN}/presence")
    error_body(verdict, answer, 404, "CMN-102", "accountId")  # docs/contract.md#unknown-ids
    verdict.settle()


@pytest.mark.endpoint(SINGLE)
def test_no_token_is_401(target: Target, verdict: Verdict) -> None:
    answer = target.get(f"{API}/extension/~/presence", with_token=False)
    error_body(verdict, answer, 401, "AGW-402")  # docs/contract.md#auth-bearer
    challenge = answer.headers.get("WWW-Authenticate")
    verdict.expect(challenge == 'Bearer realm="RingCentral REST API"', answer,
                   "WWW-Authenticate header", "a 401 carries the Bearer challenge "
                   "(docs/contract.md#auth-bearer)",
                   challenge or "<absent>", 'Bearer realm="RingCentral REST API"')  # fmt: skip
    verdict.settle()
