"""The contract's rules as checks over exchanges; each cites the Part A section it enforces."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from .client import Exchange
from .findings import Verdict
from .pacing import group_of

SINGLE = "GET /account/~/extension/{id}/presence"
BATCH = "GET /account/~/extension/{ids}/presence (batch)"
ACCOUNT = "GET /account/~/presence"
PUT = "PUT /account/~/extension/{id}/presence"

# Each flag combination (Part A.8), always sent explicitly so `false` is exercised too.
FLAG_COMBOS = [
    {"detailedTelephonyState": d, "sipData": s}
    for d in ("false", "true")
    for s in ("false", "true")
]
BUSY_TELEPHONY = {"CallConnected", "OnHold", "ParkedCall"}
RATE_GROUPS = {"light", "medium", "heavy", "auth"}


def flag_id(flags: dict[str, str]) -> str:
    return f"detailed={flags['detailedTelephonyState']},sip={flags['sipData']}"


def status(v: Verdict, ex: Exchange, expected: int) -> bool:
    return v.expect(ex.status == expected, ex, "HTTP status", "status code", ex.status, expected)


def json_body(v: Verdict, ex: Exchange) -> Any:
    """The JSON body, or None (with a finding) when there is none."""
    kind = ex.headers.get("Content-Type", "")
    try:
        body = ex.json()
    except ValueError:
        v.fail(ex, "body", "a JSON body (Part A.1)", repr(ex.content[:80]), "JSON")
        return None
    v.expect(
        kind.startswith("application/json"),
        ex,
        "Content-Type header",
        "application/json (Part A.1)",
        kind,
        "application/json",
    )
    return body


def record_view(v: Verdict, ex: Exchange, record: Any, flags: dict[str, str], where: str) -> None:
    """activeCalls only with detailedTelephonyState=true; sipData only with both (Part A.8)."""
    if not isinstance(record, dict):
        return
    detailed = flags.get("detailedTelephonyState") == "true"
    sip = detailed and flags.get("sipData") == "true"
    if not detailed:
        v.expect(
            "activeCalls" not in record,
            ex,
            f"{where}.activeCalls",
            "activeCalls only with detailedTelephonyState=true (Part A.8)",
            "<present>",
            "<absent>",
        )
    for index, call in enumerate(record.get("activeCalls") or []):
        if isinstance(call, dict) and not sip:
            v.expect(
                "sipData" not in call,
                ex,
                f"{where}.activeCalls[{index}].sipData",
                "sipData only with detailedTelephonyState=true&sipData=true (Part A.8)",
                "<present>",
                "<absent>",
            )


def error_body(
    v: Verdict, ex: Exchange, code: int, error_code: str, parameter: str | None = None
) -> None:
    """An error answer in the Part A.1 shape, with the parameter named where one is at fault."""
    if not status(v, ex, code):
        return
    body = json_body(v, ex)
    if not isinstance(body, dict):
        return
    v.schema(ex, "error", body)
    v.expect(
        body.get("errorCode") == error_code,
        ex,
        "$.errorCode",
        "error code (Part A.1)",
        body.get("errorCode", "<absent>"),
        error_code,
    )
    items = body.get("errors")
    if not v.expect(
        isinstance(items, list) and len(items) > 0,
        ex,
        "$.errors",
        "errors[] with at least one item (Part A.1)",
        items,
        "a non-empty list",
    ):
        return
    first = items[0] if isinstance(items, list) and isinstance(items[0], dict) else {}
    v.expect(
        first.get("errorCode") == error_code,
        ex,
        "$.errors[0].errorCode",
        "error code (Part A.1)",
        first.get("errorCode", "<absent>"),
        error_code,
    )
    if parameter is not None:
        for path, holder in (("$.parameterName", body), ("$.errors[0].parameterName", first)):
            v.expect(
                holder.get("parameterName") == parameter,
                ex,
                path,
                "the parameter at fault is named (Part A.1, A.4, A.8, A.10)",
                holder.get("parameterName", "<absent>"),
                parameter,
            )


def expected_presence(record: dict[str, Any]) -> str:
    """Part A.6: Offline if userStatus Offline; Busy if Busy, a busy call or a meeting."""
    if record.get("userStatus") == "Offline":
        return "Offline"
    if (
        record.get("userStatus") == "Busy"
        or record.get("telephonyStatus") in BUSY_TELEPHONY
        or record.get("meetingStatus") == "Connected"
    ):
        return "Busy"
    return "Available"


def paging(v: Verdict, ex: Exchange, body: dict[str, Any], page: int, per_page: int) -> None:
    """Part A.4 arithmetic of one page."""
    info = body.get("paging") or {}
    records = body.get("records") or []
    total = info.get("totalElements")
    for name, want in (("page", page), ("perPage", per_page)):
        v.expect(
            info.get(name) == want,
            ex,
            f"$.paging.{name}",
            "the page asked for (Part A.4)",
            info.get(name, "<absent>"),
            want,
        )
    if not isinstance(total, int):
        v.fail(ex, "$.paging.totalElements", "present (Part A.4)", repr(total), "an integer")
        return
    pages = -(-total // per_page)
    v.expect(
        info.get("totalPages") == pages,
        ex,
        "$.paging.totalPages",
        "totalPages = ceil(totalElements / perPage) (Part A.4)",
        info.get("totalPages", "<absent>"),
        pages,
    )
    start = (page - 1) * per_page
    if start >= total:
        v.expect(
            records == [],
            ex,
            "$.records",
            "a page past the end is empty (Part A.4)",
            f"<{len(records)} records>",
            "[]",
        )
        for name in ("pageStart", "pageEnd"):
            v.expect(
                name not in info,
                ex,
                f"$.paging.{name}",
                "absent on an empty page (Part A.4)",
                info.get(name),
                "<absent>",
            )
        return
    end = min(start + per_page, total) - 1
    v.expect(
        info.get("pageStart") == start,
        ex,
        "$.paging.pageStart",
        "pageStart = (page - 1) * perPage, 0-based (Part A.4)",
        info.get("pageStart", "<absent>"),
        start,
    )
    v.expect(
        info.get("pageEnd") == end,
        ex,
        "$.paging.pageEnd",
        "pageEnd = min(pageStart + perPage, totalElements) - 1 (Part A.4)",
        info.get("pageEnd", "<absent>"),
        end,
    )
    v.expect(
        len(records) == end - start + 1,
        ex,
        "$.records",
        "pageEnd - pageStart + 1 records (Part A.4)",
        f"<{len(records)} records>",
        f"{end - start + 1} records",
    )


def navigation(v: Verdict, ex: Exchange, body: dict[str, Any], page: int, per_page: int) -> None:
    """Part A.4: firstPage/lastPage always, previousPage iff page > 1, nextPage iff not last."""
    nav = body.get("navigation") or {}
    total_pages = (body.get("paging") or {}).get("totalPages")
    last = max(total_pages, 1) if isinstance(total_pages, int) else None
    wanted: dict[str, int | None] = {"firstPage": 1, "lastPage": last}
    if page > 1:
        # Past the end, which page is "previous" is the server's choice (docs/decisions.md).
        wanted["previousPage"] = page - 1 if last is None or page <= last else None
    if last is not None and page < last:
        wanted["nextPage"] = page + 1
    for name in ("firstPage", "previousPage", "nextPage", "lastPage"):
        link = nav.get(name)
        if name not in wanted:
            v.expect(
                link is None,
                ex,
                f"$.navigation.{name}",
                f"{name} only where that page exists (Part A.4)",
                link,
                "<absent>",
            )
            continue
        if not v.expect(
            isinstance(link, dict) and "uri" in link,
            ex,
            f"$.navigation.{name}",
            f"{name} is present (Part A.4)",
            link if link else "<absent>",
            "{'uri': ...}",
        ) or not isinstance(link, dict):
            continue
        uri = str(link["uri"])
        split = urlsplit(uri)
        query = parse_qs(split.query)
        got = (query.get("page", ["<absent>"])[0], query.get("perPage", ["<absent>"])[0])
        want = wanted[name]
        v.expect(
            bool(split.scheme and split.netloc),
            ex,
            f"$.navigation.{name}.uri",
            "absolute URI (Part A.4)",
            uri,
            "scheme://host/...",
        )
        if want is not None:
            v.expect(
                got == (str(want), str(per_page)),
                ex,
                f"$.navigation.{name}.uri",
                "carries page and perPage of that page (Part A.4)",
                f"page={got[0]}&perPage={got[1]}",
                f"page={want}&perPage={per_page}",
            )


def rate_headers(v: Verdict, ex: Exchange) -> None:
    """Part A.13, when the target sends them: all four, consistent, the operation's group."""
    names = ("Group", "Limit", "Remaining", "Window")
    present = {n: ex.headers.get(f"X-Rate-Limit-{n}") for n in names}
    if all(value is None for value in present.values()):
        return  # a target without rate-limit headers is fine
    for name, value in present.items():
        v.expect(
            value is not None,
            ex,
            f"X-Rate-Limit-{name} header",
            "all four rate-limit headers together (Part A.13)",
            "<absent>",
            "present",
        )
    group = present["Group"]
    want = group_of(ex.method, urlsplit(ex.url).path)
    v.expect(
        group == want,
        ex,
        "X-Rate-Limit-Group header",
        "the operation's throttling group, lower case (Part A.13)",
        group,
        want,
    )
    numbers = {}
    for name in ("Limit", "Remaining", "Window"):
        raw = present[name]
        if raw is not None and v.expect(
            raw.isdigit(), ex, f"X-Rate-Limit-{name} header", "a whole number", raw, "digits"
        ):
            numbers[name] = int(raw)
    if "Limit" in numbers:
        v.expect(
            numbers["Limit"] > 0,
            ex,
            "X-Rate-Limit-Limit header",
            "above 0",
            numbers["Limit"],
            "> 0",
        )
    if "Window" in numbers:
        v.expect(
            numbers["Window"] > 0,
            ex,
            "X-Rate-Limit-Window header",
            "above 0",
            numbers["Window"],
            "> 0",
        )
    if "Limit" in numbers and "Remaining" in numbers:
        v.expect(
            0 <= numbers["Remaining"] <= numbers["Limit"],
            ex,
            "X-Rate-Limit-Remaining header",
            "0 <= Remaining <= Limit",
            numbers["Remaining"],
            f"0..{numbers['Limit']}",
        )
