"""Schema conformance of every endpoint under each combination of the view flags
(docs/contract.md#view-flags), against the schemas in schemas/."""

from __future__ import annotations

import pytest

from .checks import ACCOUNT, BATCH, FLAG_COMBOS, SINGLE, flag_id, json_body, record_view, status
from .client import API, Target
from .findings import Verdict

COMBOS = pytest.mark.parametrize("flags", FLAG_COMBOS, ids=flag_id)


@pytest.mark.endpoint(SINGLE)
@COMBOS
def test_single_presence_conforms(target: Target, verdict: Verdict, flags: dict[str, str]) -> None:
    answer = target.get(f"{API}/extension/~/presence", flags)
    if status(verdict, answer, 200):
        body = json_body(verdict, answer)
        verdict.schema(answer, "presence-info-response", body)
        record_view(verdict, answer, body, flags, "$")
    verdict.settle()


@pytest.mark.endpoint(ACCOUNT)
@COMBOS
def test_account_presence_conforms(target: Target, verdict: Verdict, flags: dict[str, str]) -> None:
    for answer in target.pages({**flags, "perPage": "1000"}):
        if not status(verdict, answer, 200):
            continue
        body = json_body(verdict, answer)
        verdict.schema(answer, "account-presence-info", body)
        for index, record in enumerate((body or {}).get("records") or []):
            record_view(verdict, answer, record, flags, f"$.records[{index}]")
    verdict.settle()


@pytest.mark.endpoint(BATCH)
@COMBOS
def test_batch_parts_conform(
    target: Target, verdict: Verdict, flags: dict[str, str], some_ids: list[str]
) -> None:
    answer = target.get(f"{API}/extension/{','.join(some_ids)}/presence", flags)
    if status(verdict, answer, 207):
        parts = answer.parts()
        if parts:
            verdict.schema(answer, "batch-status", parts[0][1], "part 1: ")
        for number, (_, body) in enumerate(parts[1:], start=2):
            verdict.schema(answer, "presence-info-response", body, f"part {number}: ")
            record_view(verdict, answer, body, flags, f"part {number}: $")
    verdict.settle()
