"""Rate-limit headers, checked for consistency when the target sends them
(docs/contract.md#rate-limits)."""

from __future__ import annotations

import pytest

from .checks import ACCOUNT, SINGLE, rate_headers
from .client import API, Target
from .findings import Verdict


@pytest.mark.endpoint(SINGLE)
def test_rate_limit_headers_of_extension_reads(target: Target, verdict: Verdict) -> None:
    first = target.get(f"{API}/extension/~/presence")
    second = target.get(f"{API}/extension/~/presence")
    for answer in (first, second):
        rate_headers(verdict, answer)
    verdict.settle()


@pytest.mark.endpoint(ACCOUNT)
def test_rate_limit_headers_of_every_answer_so_far(target: Target, verdict: Verdict) -> None:
    target.get(f"{API}/presence", {"perPage": "1"})
    for answer in list(target.exchanges):
        rate_headers(verdict, answer)
    verdict.settle()
