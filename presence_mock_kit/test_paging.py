"""Paging invariants of account presence across all pages (docs/contract.md#paging)."""

from __future__ import annotations

import pytest

from .checks import ACCOUNT, json_body, navigation, paging, status
from .client import API, Exchange, Target
from .findings import Verdict

pytestmark = pytest.mark.endpoint(ACCOUNT)


@pytest.fixture(scope="module")
def walk(target: Target, extension_ids: list[str]) -> tuple[int, list[Exchange]]:
    # About three pages with a short last one, so the arithmetic meets both page shapes.
    per_page = max(1, len(extension_ids) // 3 + 1)
    return per_page, target.pages({"perPage": str(per_page)})


def test_paging_arithmetic(walk: tuple[int, list[Exchange]], verdict: Verdict) -> None:
    per_page, pages = walk
    totals = set()
    for number, answer in enumerate(pages, start=1):
        if status(verdict, answer, 200) and isinstance(body := json_body(verdict, answer), dict):
            paging(verdict, answer, body, number, per_page)
            totals.add((body.get("paging") or {}).get("totalElements"))
    verdict.expect(
        len(totals) <= 1,
        pages[-1],
        "$.paging.totalElements",
        "the same on every page",
        sorted(map(str, totals)),
        "one value",
    )
    verdict.settle()


def test_navigation_links(walk: tuple[int, list[Exchange]], verdict: Verdict) -> None:
    per_page, pages = walk
    for number, answer in enumerate(pages, start=1):
        if status(verdict, answer, 200) and isinstance(body := json_body(verdict, answer), dict):
            navigation(verdict, answer, body, number, per_page)
    verdict.settle()


def test_each_extension_exactly_once(walk: tuple[int, list[Exchange]], verdict: Verdict) -> None:
    _, pages = walk
    seen: dict[object, int] = {}
    total = None
    for number, answer in enumerate(pages, start=1):
        body = answer.json() if answer.status == 200 else {}
        total = (body.get("paging") or {}).get("totalElements", total)
        for index, record in enumerate(body.get("records") or []):
            ext = (record.get("extension") or {}).get("id")
            if ext in seen:
                verdict.fail(
                    answer,
                    f"$.records[{index}].extension.id",
                    "each extension exactly once across all pages (docs/contract.md#paging)",
                    repr(ext),
                    f"not listed before (already on page {seen[ext]})",
                )
            seen.setdefault(ext, number)
    verdict.expect(
        total is None or len(seen) == total,
        pages[-1],
        "all pages",
        "the pages together list totalElements extensions (docs/contract.md#paging)",
        f"<{len(seen)} distinct extensions>",
        f"{total}",
    )
    verdict.settle()


def test_page_past_the_end_is_empty(
    target: Target, walk: tuple[int, list[Exchange]], verdict: Verdict
) -> None:
    per_page, pages = walk
    past = len(pages) + 1
    answer = target.get(f"{API}/presence", {"page": str(past), "perPage": str(per_page)})
    if status(verdict, answer, 200) and isinstance(body := json_body(verdict, answer), dict):
        paging(verdict, answer, body, past, per_page)
        navigation(verdict, answer, body, past, per_page)
    verdict.settle()


def test_per_page_zero_is_an_empty_result(target: Target, verdict: Verdict) -> None:
    """perPage=0 is valid: no records, and paging without page/pageStart/pageEnd
    (docs/contract.md#paging)."""
    answer = target.get(f"{API}/presence", {"perPage": "0"})
    if status(verdict, answer, 200) and isinstance(body := json_body(verdict, answer), dict):
        verdict.expect(
            body.get("records") == [],
            answer,
            "$.records",
            "no records for perPage=0 (docs/contract.md#paging)",
            f"<{len(body.get('records') or [])} records>",
            "[]",
        )
        info = body.get("paging") or {}
        for name in ("page", "pageStart", "pageEnd"):
            verdict.expect(
                name not in info,
                answer,
                f"$.paging.{name}",
                "page, pageStart and pageEnd are absent for perPage=0 (docs/contract.md#paging)",
                info.get(name),
                "<absent>",
            )
    verdict.settle()
