"""The PUT round trip, only with --presence-allow-writes; what was there is always restored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .checks import PUT, error_body, expected_presence, json_body, status
from .client import API, Exchange, Target
from .findings import Verdict
from .plugin import flag

pytestmark = pytest.mark.endpoint(PUT)
# Within the 75-character limit of a note (docs/contract.md#presence-put).
NOTE = "presence-mock contract check"


@pytest.fixture
def writes(allow_writes: bool, pytestconfig: pytest.Config) -> None:
    if not allow_writes:
        pytest.skip(f"read-only run: writes need {flag(pytestconfig, 'allow-writes')}")


@pytest.fixture
def own(target: Target, writes: None) -> Iterator[dict[str, Any]]:
    """The caller's presence before the case; the fields a case changes are put back after."""
    answer = target.get(f"{API}/extension/~/presence")
    if answer.status != 200:
        pytest.fail(f"cannot read own presence: {answer.described()}", pytrace=False)
    before = answer.json()
    yield before
    restore = {k: before[k] for k in ("userStatus", "message") if k in before}
    if restore:
        put_back = target.put(f"{API}/extension/~/presence", restore)
        if put_back.status != 200:
            pytest.fail(f"could not restore presence: {put_back.described()}", pytrace=False)


def _read_back(target: Target, ext_id: str, other: str) -> list[tuple[str, Exchange, Any]]:
    single = target.get(f"{API}/extension/{ext_id}/presence")
    batch = target.get(f"{API}/extension/{ext_id},{other}/presence")
    seen = [("single read", single, single.json() if single.status == 200 else None)]
    parts = batch.parts() if batch.status == 207 else []
    seen.append(("batch read, part 2", batch, parts[1][1] if len(parts) > 1 else None))
    for answer in target.pages({"perPage": "1000"}):
        records = answer.json().get("records", []) if answer.status == 200 else []
        mine = [r for r in records if str((r.get("extension") or {}).get("id")) == ext_id]
        if mine:
            seen.append(("account read", answer, mine[0]))
            break
    else:
        seen.append(("account read", answer, None))
    return seen


def test_put_shows_in_every_read(
    target: Target, verdict: Verdict, own: dict[str, Any], extension_ids: list[str]
) -> None:
    ext_id = str(own["extension"]["id"])
    new_status = "Busy" if own.get("userStatus") != "Busy" else "Available"
    answer = target.put(f"{API}/extension/~/presence", {"userStatus": new_status, "message": NOTE})
    if not status(verdict, answer, 200):
        verdict.settle()
    body = json_body(verdict, answer)
    verdict.schema(answer, "presence-info-response", body)
    other = next((i for i in extension_ids if i != ext_id), "~")
    for where, exchange, record in [
        ("PUT answer", answer, body),
        *_read_back(target, ext_id, other),
    ]:
        if not verdict.expect(
            isinstance(record, dict),
            exchange,
            where,
            "the record is there",
            record,
            "a presence record",
        ):
            continue
        for field, want in (("userStatus", new_status), ("message", NOTE)):
            verdict.expect_field(
                exchange,
                f"{where}: $.{field}",
                "a PUT shows in single, batch and account reads (docs/contract.md#presence-put)",
                record,
                field,
                want,
            )
        presence = expected_presence(record)
        verdict.expect_field(
            exchange,
            f"{where}: $.presenceStatus",
            "presenceStatus follows userStatus, telephony and meetings "
            "(docs/contract.md#presence-status-derivation)",
            record,
            "presenceStatus",
            presence,
        )
    verdict.settle()


def test_bad_put_is_cmn_101_naming_the_field(
    target: Target, verdict: Verdict, own: dict[str, Any]
) -> None:
    answer = target.put(f"{API}/extension/~/presence", {"userStatus": "Away"})
    error_body(verdict, answer, 400, "CMN-101", "userStatus")  # docs/contract.md#presence-put
    verdict.settle()
