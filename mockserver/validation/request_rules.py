"""The request rules: what the platform accepts from a client, checked without serving anything.

Pure functions over the neutral DescribedRequest. The emulator records the verdict of every /restapi
request in the journal, and with `strict_requests` refuses a violating one with the platform's
400. The rules come from the spec's parameters (docs/contract.md#endpoints) and the contract's
sections on batches, paging, view flags and PUT bodies (docs/contract.md#batch, #paging,
#view-flags, #presence-put).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Final

from mockserver.errors import (
    BatchLimit,
    InvalidMultipartRequest,
    InvalidParameter,
    JsonParseError,
    MockError,
)
from mockserver.http import DescribedRequest
from mockserver.inputs import load_json
from mockserver.operations import PAGING, Matched, Operation, match
from mockserver.presence.paging import is_positive_int
from mockserver.presence.parsing import is_boolean, parameter_of
from mockserver.presence.service import MAX_BATCH
from mockserver.schemas import enum_values
from mockserver.schemas import problems as schema_problems

_ID: Final = re.compile(r"~|[0-9]+")
_GROUP_ID: Final = re.compile(r"[0-9]+")  # a queue's own extension ID; `~` is never a queue
# What a batch over 30 IDs is refused with: the logical code of docs/contract.md#batch on classic
# presence; the errors page's general CMN-106 on unified presence (decision UNI-3).
_BATCH_LIMIT_CODE: Final = {"readUnifiedPresence": BatchLimit.error_code}
# perPage values beside 1..int32: 0 on account presence (an empty result: docs/contract.md#paging),
# "max" on active calls (the spec's PerPageWithMax).
_SPECIAL_PER_PAGE: Final = {"readAccountPresence": ("0",), "listExtensionActiveCalls": ("max",)}


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One way a request breaks the rules; `parameter` is what the platform's 400 would name."""

    parameter: str
    rule: str
    found: Any
    message: str
    error_code: str = "CMN-101"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def error(self) -> MockError:
        """The platform's refusal of this problem (used by --strict-requests)."""
        if self.error_code == InvalidMultipartRequest.error_code:
            return InvalidMultipartRequest()
        if self.error_code == JsonParseError.error_code:
            return JsonParseError()
        if self.error_code == BatchLimit.error_code:
            return BatchLimit(str(MAX_BATCH))
        return InvalidParameter(self.parameter)


def check(request: DescribedRequest, matched: Matched | None = None) -> list[RuleProblem]:
    """Every rule `request` breaks; [] for a request the platform would accept.

    `matched` is the operation the server's routing found; without it the route table is asked.
    """
    if matched is None:
        matched = match(request.method, request.path)
    if matched is None:
        message = f"no Presence API endpoint at {request.method} {request.path}"
        return [RuleProblem("uri", "endpoint", request.path, message)]
    operation, params = matched
    if operation.query is None:
        return []  # the token endpoint answers its own OAuth errors (REQ-3)
    found = _query(request, operation.query, operation.multi)
    if "account" in params:  # every operation but the subscriptions'
        found = _account(params["account"]) + found
    if "extension" in params:
        found += _ids(params["extension"], operation)
    if "group" in params:
        found += _group(params["group"])
    if operation.choices or operation.max_length:  # the directory's and active calls' filters
        found += _choices(request, operation)
    if operation.body is not None:
        return found + _body(request.body, operation.body, operation.body_required)
    found += _flags(request, operation.booleans)
    if operation.query >= PAGING:
        found += _paging(request, operation.endpoint)
    return found


# The verdict of a request without a query or a body depends on its method and path alone, and a
# client asks the same few paths again and again: kept here, up to this many paths.
_PLAIN_PATHS: Final = 4096
_PLAIN_LENGTH: Final = 512  # longer paths (a batch of many IDs, a hostile one) are judged anew
_plain: dict[tuple[str, str], tuple[RuleProblem, ...]] = {}


def check_request(request: DescribedRequest, matched: Matched | None = None) -> list[RuleProblem]:
    """`check`, with the verdict of a request without query or body kept by method and path."""
    if request.query or request.body:
        return check(request, matched)
    key = (request.method, request.path)
    found = _plain.get(key)
    if found is None:
        found = tuple(check(request, matched))
        if len(request.path) <= _PLAIN_LENGTH:
            if len(_plain) >= _PLAIN_PATHS:
                _plain.clear()
            _plain[key] = found
    return list(found)


def _query(
    request: DescribedRequest, known: frozenset[str], multi: frozenset[str]
) -> list[RuleProblem]:
    # The spec declares the query parameters of each operation; anything else is a client bug
    # (a misspelt `perpage` silently falls back to the default on the platform).
    return [
        RuleProblem(name, "known-parameter", values[0], f"unknown query parameter {name!r}")
        for name, values in request.query.items()
        if name not in known
    ] + [
        RuleProblem(name, "single-value", values, f"query parameter {name!r} given more than once")
        for name, values in request.query.items()
        if name in known and name not in multi and len(values) > 1
    ]


def _flags(request: DescribedRequest, names: tuple[str, ...]) -> list[RuleProblem]:
    found: list[RuleProblem] = []
    for name in names:
        for raw in request.query.get(name, []):
            if not is_boolean(raw):  # any letter case (docs/contract.md#view-flags)
                found.append(RuleProblem(name, "boolean", raw, f"{name} must be true or false"))
    return found


def _paging(request: DescribedRequest, endpoint: str) -> list[RuleProblem]:
    found: list[RuleProblem] = []
    for name in ("page", "perPage"):
        for raw in request.query.get(name, []):
            if name == "perPage" and raw in _SPECIAL_PER_PAGE.get(endpoint, ()):
                continue
            if not is_positive_int(raw):  # docs/contract.md#paging
                message = f"{name} must be a positive whole number (int32)"
                found.append(RuleProblem(name, "positive-integer", raw, message))
    return found


def _choices(request: DescribedRequest, operation: Operation) -> list[RuleProblem]:
    """The spec's enums and maxLengths of query parameters (the route table's `choices`)."""
    found: list[RuleProblem] = []
    for name, declared in operation.choices:
        allowed = enum_values(declared)
        for raw in request.query.get(name, []):
            if raw == "" and name in operation.allow_empty:
                continue  # allowEmptyValue: an empty `status=` is no filter
            if raw not in allowed:
                message = f"{name} must be one of {', '.join(sorted(allowed))}"
                found.append(RuleProblem(name, "enum", raw, message))
    for name, most in operation.max_length:
        for raw in request.query.get(name, []):
            if len(raw) > most:
                message = f"{name} is at most {most} characters"
                found.append(RuleProblem(name, "maxLength", raw, message))
    return found


def _group(raw: str) -> list[RuleProblem]:
    if _GROUP_ID.fullmatch(raw):
        return []
    return [RuleProblem("groupId", "id", raw, "groupId must be a call queue's extension ID")]


def _account(raw: str) -> list[RuleProblem]:
    if _ID.fullmatch(raw):
        return []
    return [RuleProblem("accountId", "id", raw, "accountId must be ~ or digits")]


def _ids(raw: str, operation: Operation) -> list[RuleProblem]:
    ids = raw.split(",")
    found = [
        RuleProblem("extensionId", "id", i, "each extension ID must be ~ or digits")
        for i in ids
        if not _ID.fullmatch(i)
    ]
    if not operation.batch and len(ids) > 1:
        message = f"{operation.endpoint} takes one extension ID"
        found.append(RuleProblem("extensionId", "single-id", raw, message))
    elif len(ids) > MAX_BATCH:
        message = f"at most {MAX_BATCH} extension IDs in one request, found {len(ids)}"
        code = _BATCH_LIMIT_CODE.get(operation.endpoint, InvalidMultipartRequest.error_code)
        found.append(RuleProblem("extensionId", "max-ids", len(ids), message, code))
    return found


# A client sends the same few bodies again and again ({"userStatus":"Busy"}): each small body is
# judged once per process, and the same problems answered after (decision PERF-13).
JUDGED_KEPT = 1024
JUDGED_BYTES = 4096
_judged: dict[tuple[bytes, str, bool], tuple[RuleProblem, ...]] = {}


def _body(raw: bytes, schema: str, required: bool) -> list[RuleProblem]:
    key = (raw, schema, required)
    found = _judged.get(key)
    if found is None:
        found = tuple(_judged_body(raw, schema, required))
        if len(raw) <= JUDGED_BYTES:
            if len(_judged) >= JUDGED_KEPT:
                _judged.clear()
            _judged[key] = found
    return list(found)


def _judged_body(raw: bytes, schema: str, required: bool) -> list[RuleProblem]:
    if not raw.strip():
        if required:  # the queue PUTs and the unified PATCH mark their body `required: true`
            return [RuleProblem("body", "required", None, "the body is required", "CMN-103")]
        return []  # the presence PUT marks its body `required: false`
    try:
        body = load_json(raw)
    except (ValueError, UnicodeDecodeError):
        return [RuleProblem("body", "json", None, "the body is not JSON", "CMN-103")]
    if not isinstance(body, dict):
        return [RuleProblem("body", "json", body, "the body is not a JSON object", "CMN-103")]
    # Strict: a read-only field (presenceStatus) or an unknown one is a client bug even though
    # the platform ignores it (docs/contract.md#presence-put); the client believes it changed
    # something. An absent required property is found as the schemas' MISSING, which the journal
    # shows as `<missing>` (validation/request_journal.py).
    return [
        RuleProblem(parameter_of(p.path), p.rule, p.found, str(p))
        for p in schema_problems(schema, body, strict=True)
    ]
