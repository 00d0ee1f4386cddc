"""Batch reads: 207 multipart/mixed, the status part, order, 404 parts, the 30 limit (A.2, A.3)."""

from __future__ import annotations

import pytest

from .client import API, Target
from .findings import Verdict
from .rules import BATCH, error_body, status

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
        "multipart/mixed (Part A.3)",
        kind,
        "multipart/mixed; boundary=...",
    )
    boundary = kind.partition("boundary=")[2]
    verdict.expect(
        bool(boundary) and '"' not in boundary,
        answer,
        "Content-Type header",
        "an unquoted boundary token (Part A.3)",
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
        "a status part, then one part per ID (Part A.3)",
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
                "status items in request order (Part A.3)",
                href,
                f".../extension/{wanted}/presence",
            )
        verdict.expect(
            item.get("status") == 200,
            answer,
            f"part 1: $.response[{index}].status",
            "200 for a known ID (Part A.3)",
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
                "one part per ID in request order (Part A.3)",
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
        "a part of its own for the unknown ID (Part A.3)",
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
        "404 for an unknown ID (Part A.3)",
        last.get("status"),
        404,
    )
    body = parts[2][1]
    verdict.expect(
        body.get("errorCode") == "CMN-102",
        answer,
        "part 3: $.errorCode",
        "CMN-102 for an unknown ID (Part A.3)",
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
            "Part A.2 wording",
            message,
            LIMIT_MESSAGE,
        )
    verdict.settle()
