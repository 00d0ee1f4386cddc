"""The request journal: each /restapi request with its verdict under the request rules.

Kept in the store, so every worker and replica sharing it reads one journal and a reset clears
it for all. Bounded: the last `limit` requests (a long-running emulator must not grow). Each
entry is written as it comes; several worker processes use `scaleout.SharedJournal` instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode

from mockserver.http import DescribedRequest
from mockserver.inputs import load_json
from mockserver.redaction import (
    MASK,
    SECRET_NAMES,
    escape,
    mask_address,
    mask_query,
    mask_text,
)
from mockserver.storage import Entries, Records
from mockserver.validation.request_rules import RuleProblem

DEFAULT_LIMIT = 1000
NAME = "journal"
CLEARED = ("journal", "cleared")  # when the journal was last cleared, for every process


@dataclass(frozen=True, slots=True)
class Seen:
    """A request as the journal saw it; made into an entry only when written (cheap to keep)."""

    time: float
    request: DescribedRequest
    problems: list[RuleProblem]
    status: int  # 0: no answer was sent (a fault: reset, empty reply, stall)
    error_code: str | None = None
    fault: str | None = None  # the fault injected
    transport: str | None = None  # "WebSocket" for a request over the gateway's socket
    elapsed_ms: float | None = None  # from the request's arrival to its answer

    def entry(self) -> dict[str, Any]:
        request = self.request
        return {
            "time": iso_text(self.time),
            "method": request.method,
            "path": escape(mask_text(request.path)),
            # A token, secret, password or JWT is never kept; controls are escaped (redaction.py).
            "query": shown(request.query),
            "status": self.status,
            "verdict": "violation" if self.problems else "ok",
            "problems": [_problem(problem) for problem in self.problems],
            "errorCode": self.error_code,
            **({"fault": self.fault} if self.fault else {}),
            **({"transport": self.transport} if self.transport else {}),
            **({"ms": self.elapsed_ms} if self.elapsed_ms is not None else {}),
            **_written_body(request),
            **_event_filters(request),
        }


BODY_KEPT = 16 * 1024  # a larger body is named by its size only: the journal stays small


def _written_body(request: DescribedRequest) -> dict[str, Any]:
    """The body of a write, as the session export shows it: secrets masked by name (a JSON
    member or form field called like a credential, a WebHook's verification token) and by
    shape, a receiver's address as the controls show it, control characters escaped."""
    body = request.body
    if not body or request.method in ("GET", "HEAD", "DELETE"):
        return {}
    if len(body) > BODY_KEPT:
        return {"body": f"<{len(body)} bytes, not kept>"}
    try:
        found = load_json(body)
    except ValueError:  # not JSON: a form (the token endpoints) or bytes nobody can read
        text = body.decode("utf-8", "replace")
        return {"body": urlencode(list(_pairs(shown(parse_qs(text, keep_blank_values=True)))))}
    return {"body": json.dumps(_masked_member("", found), separators=(",", ":"))}


def _pairs(query: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, values in query.items() for value in values]


def _masked_member(name: str, value: Any) -> Any:
    if name.lower() in SECRET_NAMES:
        return MASK
    if name == "address" and isinstance(value, str):
        return escape(mask_address(value))
    if isinstance(value, dict):
        return {escape(str(key)): _masked_member(str(key), item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked_member("", item) for item in value]
    if isinstance(value, str):
        return escape(mask_text(value))
    return value


def _event_filters(request: DescribedRequest) -> dict[str, Any]:
    """A subscription create or update names its `eventFilters` (decision COV-2), for
    `presence-mock coverage` (as the client sent them, whatever the answer was)."""
    if request.method not in ("POST", "PUT") or "/subscription" not in request.path:
        return {}
    try:
        # The bounded parser: a body nested thousands deep was a RecursionError here, after the
        # answer was made (the request rules have said what is wrong with it).
        body = load_json(request.body) if request.body else None
    except ValueError:  # not JSON, not UTF-8 or too deep
        return {}
    found = body.get("eventFilters") if isinstance(body, dict) else None
    if not isinstance(found, list):
        return {}
    return {"eventFilters": [escape(mask_text(str(f))) for f in found if isinstance(f, str)]}


def shown(query: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """A query or form as the journal shows it: credentials masked, controls escaped."""
    return {
        escape(name): [escape(value) for value in values]
        for name, values in mask_query(query).items()
    }


def _problem(problem: RuleProblem) -> dict[str, Any]:
    """A problem as the journal shows it: a hidden parameter's value masked (`?password=` on a
    presence call is an unknown parameter whose value would be shown), text escaped."""
    found = problem.to_dict()
    if problem.parameter.lower() in SECRET_NAMES:
        found["found"] = MASK
    return {name: _escaped_value(value) for name, value in found.items()}


def _escaped_value(value: Any) -> Any:
    """JSON the journal can keep and show: text escaped; what JSON has no word for (a required
    body field that is absent is `found` as the schemas' MISSING) as its repr, `<missing>`."""
    if isinstance(value, str):
        return escape(mask_text(value))
    if isinstance(value, list):
        return [_escaped_value(item) for item in value]
    if isinstance(value, dict):
        return {escape(str(key)): _escaped_value(item) for key, item in value.items()}
    if value is None or isinstance(value, bool | int | float):
        return value
    return escape(repr(value))


class JournalStore(Entries, Records, Protocol):
    """What the request journal uses of the store: its bounded list and a marker record."""


class Journal:
    def __init__(self, store: JournalStore, limit: int = DEFAULT_LIMIT) -> None:
        self.store = store
        self.limit = limit

    def record(
        self,
        request: DescribedRequest,
        found: list[RuleProblem],
        status: int,
        error_code: str | None = None,
        fault: str | None = None,
        transport: str | None = None,
        elapsed_ms: float | None = None,
    ) -> None:
        seen = Seen(time.time(), request, found, status, error_code, fault, transport, elapsed_ms)
        self._add(seen)

    def _add(self, seen: Seen) -> None:
        self.store.append_entries(NAME, [seen.entry()], self.limit)

    def entries(self) -> list[dict[str, Any]]:
        """Every request since the last clear, oldest first, from every process."""
        cleared = (self.store.get(*CLEARED) or {}).get("time", "")
        # Batches of several processes arrive interleaved: order by time (ISO text sorts so).
        found = sorted(self.store.entries(NAME), key=lambda entry: entry["time"])
        return [entry for entry in found if entry["time"] >= cleared][-self.limit :]

    def violations(self) -> list[dict[str, Any]]:
        return [entry for entry in self.entries() if entry["verdict"] == "violation"]

    def clear(self) -> None:
        self.store.clear_entries(NAME)
        # A batch another process gathered before this clear may still arrive: it is older.
        self.store.put(*CLEARED, {"time": now_text()})


def now_text() -> str:
    return iso_text(time.time())


def iso_text(seconds: float) -> str:
    # Microseconds: entries of one millisecond keep their order, and a clear its boundary.
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
