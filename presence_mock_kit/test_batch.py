"""Batch reads: 207 multipart/mixed, the status part, order, 404 parts, the 30 limit
(docs/contract.md#batch)."""

from __future__ import annotations

import pytest

from .checks import BATCH, error_body, status
from .client import API, Target
from .findings import Verdict

pytestmark = pytest.mark.endpoint(BATCH)
UNKNOWN = "424242424242"  # an extension ID no account has
LIMIT_MESSAGE = "Extension Presence Info multipart request is limited to 30 extensions"


def test_batch_is_207_multipart_with_unquoted_boundary(
    target: Target, verdict: Verdict, some_ids: list[str]
) -> None:
    answer = target.get(f"{API}/extension/{','.join(some_ids)}/presence")
    status(verdict, answer, 207)
    kind = answer.headers.get("Content-Type", "")
    verdict.expect(
        kind.startswith("multipart/mixed"),
        answer,
        "Content-Type header",
        "a batch answers multipart/mixed (docs/contract.md#batch)",
        kind,
        "multipart/mixed; boundary=...",
    )
    boundary = kind.partition("boundary=")[2]
    verdict.expect(
        bool(boundary) and '"' not in boundary,
        answer,
        "Content-Type header",
        "the multipart boundary is an unquoted token (docs/contract.md#batch)",
        kind,
        "boundary=<token>",
    )
    verdict.settle()


def test_status_part_and_order(target: Target, verdict: Verdict, some_ids: list[str]) -> None:
    ids = list(reversed(some_ids))  # not the listing order: the answer must follow the request
    answer = target.get(f"{API}/extension/{','.join(ids)}/presence")
    if not status(verdict, answer, 207):
        verdict.settle()
    parts = answer.parts()
    verdict.expect(
        len(parts) == len(ids) + 1,
        answer,
        "multipart body",
        "a batch holds a status part, then one part per ID (docs/contract.md#batch)",
        f"<{len(parts)} parts>",
        f"{len(ids) + 1} parts",
    )
    items = (parts[0][1].get("response") if parts else None) or []
    for index, (wanted, item) in enumerate(zip(ids, items, strict=False)):
        href = str(item.get("href", ""))
        if wanted != "~":
            verdict.expect(
                href.endswith(f"/extension/{wanted}/presence"),
                answer,
                f"part 1: $.response[{index}].href",
                "the status part lists its items in request order (docs/contract.md#batch)",
                href,
                f".../extension/{wanted}/presence",
            )
        verdict.expect(
            item.get("status") == 200,
            answer,
            f"part 1: $.response[{index}].status",
            "the status part gives 200 for a known ID (docs/contract.md#batch)",
            item.get("status"),
            200,
        )
    for number, (wanted, (_, body)) in enumerate(zip(ids, parts[1:], strict=False), start=2):
        found = str((body.get("extension") or {}).get("id", "<absent>"))
        if wanted != "~":
            verdict.expect(
                found == wanted,
                answer,
                f"part {number}: $.extension.id",
                "one part per ID in request order (docs/contract.md#batch)",
                found,
                wanted,
            )
    verdict.settle()


def test_unknown_id_gets_a_404_part(target: Target, verdict: Verdict, some_ids: list[str]) -> None:
    known = some_ids[0]
    answer = target.get(f"{API}/extension/{known},{UNKNOWN}/presence")
    if not status(verdict, answer, 207):
        verdict.settle()
    parts = answer.parts()
    if not verdict.expect(
        len(parts) == 3,
        answer,
        "multipart body",
        "a part of its own for the unknown ID (docs/contract.md#batch)",
        f"<{len(parts)} parts>",
        "3 parts",
    ):
        verdict.settle()
    items = parts[0][1].get("response") or [{}, {}]
    last = items[-1] if items else {}
    verdict.expect(
        last.get("status") == 404,
        answer,
        "part 1: $.response[1].status",
        "the status part gives 404 for an unknown ID (docs/contract.md#batch)",
        last.get("status"),
        404,
    )
    body = parts[2][1]
    verdict.expect(
        body.get("errorCode") == "CMN-102",
        answer,
        "part 3: $.errorCode",
        "the part of an unknown ID carries CMN-102 (docs/contract.md#batch)",
        body.get("errorCode"),
        "CMN-102",
    )
    verdict.schema(answer, "error", body, "part 3: ")
    verdict.settle()


def test_thirty_one_ids_are_refused(
    target: Target, verdict: Verdict, extension_ids: list[str]
) -> None:
    ids = extension_ids[:31]
    ids += [str(int(UNKNOWN) + n) for n in range(31 - len(ids))]
    answer = target.get(f"{API}/extension/{','.join(ids)}/presence")
    error_body(verdict, answer, 400, "InvalidMultipartRequest")
    if answer.status == 400:
        message = answer.json().get("message")
        verdict.expect(
            message == LIMIT_MESSAGE,
            answer,
            "$.message",
            "over 30 IDs: the platform's own message (docs/contract.md#batch)",
            message,
            LIMIT_MESSAGE,
        )
    verdict.settle()
