"""The contract's rules as checks over exchanges; each names the rule it enforces and its
section of docs/contract.md."""

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

# Each combination of the view flags (docs/contract.md#view-flags), always sent explicitly so
# `false` is exercised too.
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
    rule = "the status the platform answers to this request"
    return v.expect(ex.status == expected, ex, "HTTP status", rule, ex.status, expected)


def json_body(v: Verdict, ex: Exchange) -> Any:
    """The JSON body, or None (with a finding) when there is none."""
    kind = ex.headers.get("Content-Type", "")
    try:
        body = ex.json()
    except ValueError:
        v.fail(
            ex,
            "body",
            "an answer carries a JSON body (docs/contract.md#error-shape)",
            repr(ex.content[:80]),
            "JSON",
        )
        return None
    v.expect(
        kind.startswith("application/json"),
        ex,
        "Content-Type header",
        "a JSON answer is typed application/json (docs/contract.md#error-shape)",
        kind,
        "application/json",
    )
    return body


def record_view(v: Verdict, ex: Exchange, record: Any, flags: dict[str, str], where: str) -> None:
    """activeCalls only with detailedTelephonyState=true; sipData only with both
    (docs/contract.md#view-flags)."""
    if not isinstance(record, dict):
        return
    detailed = flags.get("detailedTelephonyState") == "true"
    sip = detailed and flags.get("sipData") == "true"
    if not detailed:
        v.expect(
            "activeCalls" not in record,
            ex,
            f"{where}.activeCalls",
            "activeCalls only with detailedTelephonyState=true (docs/contract.md#view-flags)",
            "<present>",
            "<absent>",
        )
    for index, call in enumerate(record.get("activeCalls") or []):
        if isinstance(call, dict) and not sip:
            v.expect(
                "sipData" not in call,
                ex,
                f"{where}.activeCalls[{index}].sipData",
                "sipData only with detailedTelephonyState=true&sipData=true "
                "(docs/contract.md#view-flags)",
                "<present>",
                "<absent>",
            )


def conforms(v: Verdict, ex: Exchange, schema: str) -> None:
    """A 200 whose JSON body conforms to `schema` (the spec's shape of the answer)."""
    if status(v, ex, 200):
        v.schema(ex, schema, json_body(v, ex))


def error_body(
    v: Verdict, ex: Exchange, code: int, error_code: str, parameter: str | None = None
) -> None:
    """An error answer in the platform's error shape (docs/contract.md#error-shape), with the
    parameter named where one is at fault."""
    if not status(v, ex, code):
        return
    body = json_body(v, ex)
    if not isinstance(body, dict):
        return
    v.schema(ex, "error", body)
    v.expect_field(
        ex,
        "$.errorCode",
        "the error code the platform answers for this request (docs/contract.md#errors-table)",
        body,
        "errorCode",
        error_code,
    )
    items = body.get("errors")
    if not v.expect(
        isinstance(items, list) and len(items) > 0,
        ex,
        "$.errors",
        "an error body lists at least one item in errors[] (docs/contract.md#error-shape)",
        items,
        "a non-empty list",
    ):
        return
    first = items[0] if isinstance(items, list) and isinstance(items[0], dict) else {}
    v.expect_field(
        ex,
        "$.errors[0].errorCode",
        "the error code the platform answers for this request (docs/contract.md#errors-table)",
        first,
        "errorCode",
        error_code,
    )
    if parameter is not None:
        for path, holder in (("$.parameterName", body), ("$.errors[0].parameterName", first)):
            v.expect_field(
                ex,
                path,
                "the parameter at fault is named (docs/contract.md#error-shape)",
                holder,
                "parameterName",
                parameter,
            )


def expected_presence(record: dict[str, Any]) -> str:
    """Offline if userStatus Offline; Busy if Busy, a busy call or a meeting; else Available
    (docs/contract.md#presence-status-derivation)."""
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
    """The arithmetic of one page (docs/contract.md#paging)."""
    info = body.get("paging") or {}
    records = body.get("records") or []
    total = info.get("totalElements")
    for name, want in (("page", page), ("perPage", per_page)):
        v.expect_field(
            ex,
            f"$.paging.{name}",
            "paging echoes the page and perPage asked for (docs/contract.md#paging)",
            info,
            name,
            want,
        )
    if not isinstance(total, int):
        v.fail(
            ex,
            "$.paging.totalElements",
            "paging always carries totalElements (docs/contract.md#paging)",
            repr(total),
            "an integer",
        )
        return
    pages = -(-total // per_page)
    v.expect_field(
        ex,
        "$.paging.totalPages",
        "totalPages = ceil(totalElements / perPage) (docs/contract.md#paging)",
        info,
        "totalPages",
        pages,
    )
    start = (page - 1) * per_page
    if start >= total:
        v.expect(
            records == [],
            ex,
            "$.records",
            "a page past the end is empty (docs/contract.md#paging)",
            f"<{len(records)} records>",
            "[]",
        )
        for name in ("pageStart", "pageEnd"):
            v.expect(
                name not in info,
                ex,
                f"$.paging.{name}",
                "pageStart and pageEnd are absent on an empty page (docs/contract.md#paging)",
                info.get(name),
                "<absent>",
            )
        return
    end = min(start + per_page, total) - 1
    v.expect_field(
        ex,
        "$.paging.pageStart",
        "pageStart = (page - 1) * perPage, 0-based (docs/contract.md#paging)",
        info,
        "pageStart",
        start,
    )
    v.expect_field(
        ex,
        "$.paging.pageEnd",
        "pageEnd = min(pageStart + perPage, totalElements) - 1 (docs/contract.md#paging)",
        info,
        "pageEnd",
        end,
    )
    v.expect(
        len(records) == end - start + 1,
        ex,
        "$.records",
        "a page holds pageEnd - pageStart + 1 records (docs/contract.md#paging)",
        f"<{len(records)} records>",
        f"{end - start + 1} records",
    )


def navigation(v: Verdict, ex: Exchange, body: dict[str, Any], page: int, per_page: int) -> None:
    """firstPage/lastPage always, previousPage iff page > 1, nextPage iff not the last page
    (docs/contract.md#paging)."""
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
                f"{name} only where that page exists (docs/contract.md#paging)",
                link,
                "<absent>",
            )
            continue
        if not v.expect(
            isinstance(link, dict) and "uri" in link,
            ex,
            f"$.navigation.{name}",
            f"{name} is present (docs/contract.md#paging)",
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
            "a navigation link is an absolute URI (docs/contract.md#paging)",
            uri,
            "scheme://host/...",
        )
        if want is not None:
            v.expect(
                got == (str(want), str(per_page)),
                ex,
                f"$.navigation.{name}.uri",
                "a navigation link carries page and perPage of that page (docs/contract.md#paging)",
                f"page={got[0]}&perPage={got[1]}",
                f"page={want}&perPage={per_page}",
            )


def rate_headers(v: Verdict, ex: Exchange) -> None:
    """Rate-limit headers, when the target sends them: all four, consistent, the operation's
    group (docs/contract.md#rate-limits)."""
    names = ("Group", "Limit", "Remaining", "Window")
    present = {n: ex.headers.get(f"X-Rate-Limit-{n}") for n in names}
    if all(value is None for value in present.values()):
        return  # a target without rate-limit headers is fine
    for name, value in present.items():
        v.expect(
            value is not None,
            ex,
            f"X-Rate-Limit-{name} header",
            "all four rate-limit headers together (docs/contract.md#rate-limits)",
            "<absent>",
            "present",
        )
    group = present["Group"]
    want = group_of(ex.method, urlsplit(ex.url).path)
    v.expect(
        group == want,
        ex,
        "X-Rate-Limit-Group header",
        "the operation's throttling group, lower case (docs/contract.md#rate-limits)",
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


# The fields a client of the directory reads, with their JSON types, as the platform's recorded
# answers give them (docs/recorded.md): numeric `id`s, string numbers and dictionary IDs.
ACCOUNT_FIELDS: tuple[tuple[str, type], ...] = (
    ("id", int),
    ("uri", str),
    ("mainNumber", str),
    ("status", str),
    ("operator.id", int),
    ("operator.extensionNumber", str),
    ("serviceInfo.brand.id", str),
    ("serviceInfo.servicePlan.name", str),
    ("regionalSettings.timezone.name", str),
    ("regionalSettings.timezone.bias", str),
    ("regionalSettings.homeCountry.id", str),
    ("regionalSettings.currency.code", str),
)
EXTENSION_FIELDS: tuple[tuple[str, type], ...] = (
    ("id", int),
    ("uri", str),
    ("extensionNumber", str),
    ("name", str),
    ("type", str),
    ("status", str),
)
USER_FIELDS: tuple[tuple[str, type], ...] = (
    *EXTENSION_FIELDS,
    ("contact.firstName", str),
    ("contact.email", str),
    ("permissions.admin.enabled", bool),
    ("profileImage.uri", str),
)
USER_INFO_FIELDS: tuple[tuple[str, type], ...] = (
    *USER_FIELDS,
    ("account.id", str),
    ("regionalSettings.timezone.name", str),
    ("setupWizardState", str),
)


def read_fields(
    v: Verdict,
    ex: Exchange,
    record: Any,
    fields: tuple[tuple[str, type], ...],
    where: str = "$",
) -> None:
    """Each field a client reads is there with the type the platform's recordings give it
    (a boolean is not a number here, nor a number a string)."""
    for dotted, kind in fields:
        value: Any = record
        for key in dotted.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        v.expect(
            ok,
            ex,
            f"{where}.{dotted}",
            "a field clients read, typed as the platform's recorded answers (docs/recorded.md)",
            value,
            f"a {kind.__name__}",
        )
