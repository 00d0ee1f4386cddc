"""`presence-mock drift`: the real server's answers beside the emulator's, for the same requests.

The real answers are the recording's (or a live target's, asked again); the emulator's come from
an in-process emulator serving the recording's own account (replay.py), logged in as the
recording's caller. Compared per operation: status codes, headers (names; the values of
Content-Type and X-Rate-Limit-Group), field paths and their types, the values of enum fields,
and error codes. Differences are counted once per (operation, kind, where), with an example, and
kept per request; a difference the recording itself explains is a limit (limits.py), listed apart
and not counted (drift_report.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode

import requests

from mockserver.config import Settings
from mockserver.directory.fixtures import directory_from_dict
from mockserver.emulator import Emulator
from mockserver.platform.tokens import JWT_GRANT
from mockserver.recording import limits
from mockserver.recording.drift_report import Case, Difference, Report
from mockserver.recording.exchange import Exchange, body_of
from mockserver.recording.replay import replayable_fixture
from mockserver.recording.shapes import error_code, shape
from mockserver.storage import store_from_url
from mockserver.web.app import create_app

# Headers that differ on every answer or between any two servers, never compared.
VOLATILE_HEADERS = frozenset(
    {
        "date",
        "server",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "vary",
        "rcrequestid",
        "x-request-id",
        "request-id",
        "etag",
        "via",
        "x-rate-limit-remaining",
        "retry-after",
    }
)
VALUE_HEADERS = ("content-type", "x-rate-limit-group")
NOT_REPLAYED = frozenset({"revokeToken", "authorize"})  # would end the session, or redirect


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


Answerer = Callable[[Exchange], Answer]


def compare(recording: dict[str, Any], emulator: Answerer, real: Answerer | None = None) -> Report:
    """Every replayable exchange of `recording`: the real answer (recorded, or `real`'s) beside
    the emulator's. A difference the recording itself explains is a limit (limits.py)."""
    report = Report()
    known = limits.Known.of(recording)
    # (operation, path) -> value -> the cases where the real side used it, each with the limit
    # that explains it there (None: none does)
    real_enums: dict[tuple[str, str], dict[str, list[tuple[Case, str | None]]]] = {}
    emulator_enums: dict[tuple[str, str], set[str]] = {}
    for index, exchange in enumerate(recording.get("exchanges", [])):
        report.exchanges += 1
        operation = exchange.get("operation") or "unknown"
        request = exchange["request"]
        example = f"{request['method']} {request['path']}"
        case = Case(index, operation, example + _query(request.get("query")))
        report.cases.append(case)
        if operation in NOT_REPLAYED or operation == "unknown":
            case.skipped = (
                "not a RingCentral operation"
                if operation == "unknown"
                else f"{operation} is not asked again (it would end the session or redirect)"
            )
            report.skipped.append(example)
            continue
        recorded = exchange["response"]
        theirs = (
            real(exchange)
            if real
            else Answer(recorded["status"], recorded["headers"], recorded["body"])
        )
        ours = emulator(exchange)
        report.compared += 1
        reason = partial(
            _limit,
            limits.unknown_in_request(request["path"], theirs.status, theirs.body, known),
            *limits.shorter_listing(theirs.body, ours.body),
            theirs.body,
            known,
        )
        _compare_one(report, case, theirs, ours, reason)
        for path, values in shape(theirs.body)[1].items():
            for value in values:
                seen = real_enums.setdefault((operation, path), {}).setdefault(value, [])
                seen.append((case, reason(path)))
        for path, values in shape(ours.body)[1].items():
            emulator_enums.setdefault((operation, path), set()).update(values)
    for (operation, path), used in real_enums.items():
        said = emulator_enums.get((operation, path), set())
        found: dict[tuple[int, str | None], tuple[Case, list[str]]] = {}
        for value, cases in used.items():
            if value in said:
                continue
            # drift in a request where it is outside any limit, a limit where one explains it
            for case, why in cases:
                found.setdefault((case.index, why), (case, []))[1].append(value)
        for (_, why), (case, missing) in found.items():
            difference = Difference(
                operation,
                "enum",
                path,
                sorted(set(missing)),
                sorted(said),
                case.request,
                reason=why,
            )
            report.add(difference, case)
    return report


def _query(query: Any) -> str:
    """A recorded query as a URL's (`?perPage=20&page=2`), or nothing."""
    if not isinstance(query, dict) or not query:
        return ""
    return "?" + urlencode(query, doseq=True, safe=",~*")


def _limit(
    whole: str | None,
    paged: str | None,
    other_records: bool,
    real_body: Any,
    known: limits.Known,
    where: str,
) -> str | None:
    """Why a difference at `where` is a limit of the recording (None: it is drift)."""
    if whole is not None:
        return whole
    if paged is not None and limits.is_paged(where, other_records):
        return paged
    return limits.stand_in_calls(where, real_body, known) or limits.parked_calls(
        where, real_body, known
    )


def _compare_one(
    report: Report,
    case: Case,
    theirs: Answer,
    ours: Answer,
    reason: Callable[[str], str | None],
) -> None:
    def differ(kind: str, where: str, real: Any, emulator: Any) -> None:
        found = Difference(
            case.operation, kind, where, real, emulator, case.request, reason=reason(where)
        )
        report.add(found, case)

    if theirs.status != ours.status:
        differ("status", "status", theirs.status, ours.status)
    real_headers, our_headers = _headers(theirs.headers), _headers(ours.headers)
    for name in sorted(set(real_headers) | set(our_headers)):
        if name not in our_headers or name not in real_headers:
            differ("header", name, _present(name, real_headers), _present(name, our_headers))
        elif name in VALUE_HEADERS and real_headers[name] != our_headers[name]:
            differ("header", name, real_headers[name], our_headers[name])
    real_code, our_code = error_code(theirs.body), error_code(ours.body)
    if real_code != our_code:
        differ("errorCode", "errorCode", real_code, our_code)
    if theirs.status != ours.status:
        return  # different answers altogether: their fields say nothing more
    real_types, our_types = shape(theirs.body)[0], shape(ours.body)[0]
    for path in sorted(set(real_types) | set(our_types)):
        real, mine = real_types.get(path), our_types.get(path)
        if real is None or mine is None:
            differ("field", path, _types(real), _types(mine))
        elif real != mine and "null" not in real | mine:
            differ("type", path, _types(real), _types(mine))


def _present(name: str, headers: dict[str, str]) -> str | None:
    return "present" if name in headers else None


def _types(found: set[str] | None) -> str | None:
    return "/".join(sorted(found)) if found else None


def _headers(headers: dict[str, str]) -> dict[str, str]:
    found = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in VOLATILE_HEADERS:
            continue
        if lowered == "content-type":
            value = value.split(";")[0].strip().lower()
        found[lowered] = value
    return found


# -- the two sides ----------------------------------------------------------------------------
def _payload(
    exchange: Exchange, login: dict[str, str]
) -> tuple[dict[str, str], bytes, dict[str, list[str]]]:
    """The recorded request's headers, body and query with the answering side's credentials."""
    request = exchange["request"]
    headers = {
        k: v
        for k, v in request["headers"].items()
        if k.lower() not in ("authorization", "host", "content-length", "cookie")
    }
    query = {k: v for k, v in request["query"].items() if k != "access_token"}
    body = request["body"]
    if exchange.get("operation") == "getToken":
        headers["Authorization"] = login["basic"]
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return (
            headers,
            urlencode({"grant_type": JWT_GRANT, "assertion": login["jwt"]}).encode(),
            query,
        )
    headers["Authorization"] = f"Bearer {login['token']}"
    if body is None:
        data = b""
    elif isinstance(body, dict) and set(body) == {"form"}:
        data = urlencode(body["form"], doseq=True).encode()
    elif isinstance(body, dict) and set(body) == {"text"}:
        data = str(body["text"]).encode()
    else:
        data = json.dumps(body).encode()
    return headers, data, query


def emulator_answerer(recording: dict[str, Any], source: str = "<recording>") -> Answerer:
    """An in-process emulator of the recording's own account, logged in as its administrator;
    `source` names the recording in a refusal."""
    directory = directory_from_dict(replayable_fixture(recording, source), source)
    emulator = Emulator.build(Settings(), directory, store_from_url("memory://"))
    client = create_app(emulator=emulator).test_client(use_cookies=False)
    login = emulator.credentials()
    basic = _basic(login["clientId"], login["clientSecret"])
    answer = client.post(
        "/restapi/oauth/token",
        data={"grant_type": JWT_GRANT, "assertion": login["jwt"]},
        headers={"Authorization": basic},
    )
    credentials = {"basic": basic, "jwt": login["jwt"], "token": answer.get_json()["access_token"]}

    def ask(exchange: Exchange) -> Answer:
        headers, data, query = _payload(exchange, credentials)
        request = exchange["request"]
        got = client.open(
            request["path"],
            method=request["method"],
            headers=headers,
            data=data,
            query_string=query,
        )
        content_type = got.headers.get("Content-Type")
        return Answer(got.status_code, dict(got.headers), body_of(content_type, got.get_data()))

    return ask


def target_answerer(target: str, client_id: str, client_secret: str, jwt: str) -> Answerer:
    """A live server asked the recorded requests again, logged in with the given credentials."""
    session = requests.Session()
    base = target.rstrip("/")
    basic = _basic(client_id, client_secret)
    token = session.post(
        f"{base}/restapi/oauth/token",
        data={"grant_type": JWT_GRANT, "assertion": jwt},
        headers={"Authorization": basic},
        timeout=30,
    )
    token.raise_for_status()
    credentials = {"basic": basic, "jwt": jwt, "token": token.json()["access_token"]}

    def ask(exchange: Exchange) -> Answer:
        headers, data, query = _payload(exchange, credentials)
        request = exchange["request"]
        got = session.request(
            request["method"],
            base + request["path"],
            params=query,
            headers=headers,
            data=data,
            timeout=30,
        )
        return Answer(
            got.status_code,
            dict(got.headers),
            body_of(got.headers.get("Content-Type"), got.content),
        )

    return ask


def _basic(client_id: str, secret: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def operations_of(recording: dict[str, Any]) -> Iterable[str]:
    return sorted({e.get("operation") or "unknown" for e in recording.get("exchanges", [])})
