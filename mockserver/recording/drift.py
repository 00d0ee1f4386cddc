"""`presence-mock drift`: the real server's answers beside the emulator's, for the same requests.

The real answers are the recording's (or a live target's, asked again); the emulator's come from
an in-process emulator serving the recording's own account (replay.py), logged in as the
recording's caller. Compared per operation: status codes, headers (names; the values of
Content-Type and X-Rate-Limit-Group), field paths and their types, the values of enum fields,
and error codes. Differences are counted once per (operation, kind, where), with an example.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from mockserver.config import Settings
from mockserver.directory.fixtures import directory_from_dict
from mockserver.emulator import Emulator
from mockserver.platform.tokens import JWT_GRANT
from mockserver.recording.exchange import Exchange, body_of
from mockserver.recording.replay import fixture_from_recording
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


@dataclass
class Difference:
    operation: str
    kind: str  # status | header | field | type | enum | errorCode
    where: str
    real: Any
    emulator: Any
    example: str
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "kind": self.kind,
            "where": self.where,
            "real": self.real,
            "emulator": self.emulator,
            "count": self.count,
            "example": self.example,
        }


@dataclass
class Report:
    exchanges: int = 0
    compared: int = 0
    skipped: list[str] = field(default_factory=list)
    differences: dict[tuple[str, str, str], Difference] = field(default_factory=dict)

    def add(self, difference: Difference) -> None:
        key = (difference.operation, difference.kind, difference.where)
        if key in self.differences:
            self.differences[key].count += 1
        else:
            self.differences[key] = difference

    def to_dict(self) -> dict[str, Any]:
        found = list(self.differences.values())
        summary: dict[str, int] = {}
        for difference in found:
            summary[difference.kind] = summary.get(difference.kind, 0) + 1
        return {
            "exchanges": self.exchanges,
            "compared": self.compared,
            "skipped": self.skipped,
            "summary": summary,
            "differences": [difference.to_dict() for difference in found],
        }

    def text(self) -> str:
        found = list(self.differences.values())
        lines = [
            f"drift: {self.compared} of {self.exchanges} requests compared, "
            f"{len(found)} difference(s)"
        ]
        for operation in sorted({d.operation for d in found}):
            lines.append(f"\n{operation}")
            for d in (d for d in found if d.operation == operation):
                times = f" (x{d.count})" if d.count > 1 else ""
                lines.append(
                    f"  {d.kind:<9} {d.where}: real {_shown(d.real)}, "
                    f"emulator {_shown(d.emulator)}{times}"
                )
                lines.append(f"            e.g. {d.example}")
        if self.skipped:
            lines.append(f"\nnot replayed: {', '.join(self.skipped)}")
        return "\n".join(lines)


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list | set | tuple):
        return ", ".join(sorted(str(v) for v in value)) or "none"
    return str(value)


def compare(recording: dict[str, Any], emulator: Answerer, real: Answerer | None = None) -> Report:
    """Every replayable exchange of `recording`: the real answer (recorded, or `real`'s) beside
    the emulator's."""
    report = Report()
    real_enums: dict[tuple[str, str], set[str]] = {}
    emulator_enums: dict[tuple[str, str], set[str]] = {}
    examples: dict[tuple[str, str], str] = {}
    for exchange in recording.get("exchanges", []):
        report.exchanges += 1
        operation = exchange.get("operation") or "unknown"
        request = exchange["request"]
        example = f"{request['method']} {request['path']}"
        if operation in NOT_REPLAYED or operation == "unknown":
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
        _compare_one(report, operation, example, theirs, ours)
        for side, seen in ((theirs, real_enums), (ours, emulator_enums)):
            for path, values in shape(side.body)[1].items():
                seen.setdefault((operation, path), set()).update(values)
                examples.setdefault((operation, path), example)
    for key, values in real_enums.items():
        missing = values - emulator_enums.get(key, set())
        if missing:
            operation, path = key
            report.add(
                Difference(
                    operation,
                    "enum",
                    path,
                    sorted(missing),
                    sorted(emulator_enums.get(key, set())),
                    examples[key],
                )
            )
    return report


def _compare_one(
    report: Report, operation: str, example: str, theirs: Answer, ours: Answer
) -> None:
    def differ(kind: str, where: str, real: Any, emulator: Any) -> None:
        report.add(Difference(operation, kind, where, real, emulator, example))

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


def emulator_answerer(recording: dict[str, Any]) -> Answerer:
    """An in-process emulator of the recording's own account, logged in as its administrator."""
    directory = directory_from_dict(fixture_from_recording(recording), "<recording>")
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
