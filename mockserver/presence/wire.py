"""Domain -> RingCentral JSON, and the 207 multipart/mixed writer (docs/contract.md#batch)."""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass
from email import policy
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from typing import Any

import orjson

from mockserver.directory.model import Extension, PresenceSettings
from mockserver.presence.aggregation import presence_status, telephony_status
from mockserver.presence.live import Telephony

API_PREFIX = "/restapi/v1.0"
JSON_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class View:
    """What the caller asked to see (docs/contract.md#view-flags)."""

    detailed: bool = False
    sip: bool = False


def account_uri(base: str, account_id: int) -> str:
    return f"{base}{API_PREFIX}/account/{account_id}"


def extension_uri(base: str, account_id: int, extension_id: int) -> str:
    return f"{base}{API_PREFIX}/account/{account_id}/extension/{extension_id}"


def presence_uri(base: str, account_id: int, extension_id: int) -> str:
    return f"{base}{API_PREFIX}/account/{account_id}/extension/{extension_id}/presence"


def _extension_info(ext: Extension, uri: str) -> dict[str, Any]:
    """The record's `extension`; `uri` is the extension's (one string per record, built once)."""
    return {"id": ext.id, "uri": uri, "extensionNumber": ext.number}


def offline_record(base: str, ext: Extension) -> dict[str, Any]:
    """The only shape a non-user extension, or a hidden user, ever reads
    (docs/contract.md#non-user-extensions, docs/contract.md#visibility)."""
    uri = extension_uri(base, ext.account_id, ext.id)
    return {
        "uri": f"{uri}/presence",
        "extension": _extension_info(ext, uri),
        "presenceStatus": "Offline",
    }


def presence_record(
    base: str,
    ext: Extension,
    settings: PresenceSettings,
    view: View,
    live: Telephony | None = None,
) -> dict[str, Any]:
    """A User extension's full PresenceInfoResponse, with `settings` already merged; `live` is
    its telephony now (presence/live.py), the seed's when not given."""
    calls, meeting = live if live is not None else (ext.active_calls, ext.meeting_status)
    telephony = telephony_status(calls)
    uri = extension_uri(base, ext.account_id, ext.id)
    record: dict[str, Any] = {
        "uri": f"{uri}/presence",
        "extension": _extension_info(ext, uri),
        "presenceStatus": presence_status(
            ext.type, settings["userStatus"], telephony, meeting, ext.status
        ),
        "telephonyStatus": telephony,
        **settings,
    }
    if not record.get("message"):
        # No status message: the field is left out, as in every recorded answer of a user
        # without one (decision FID-2), never written empty.
        record.pop("message", None)
    if meeting is not None:
        record["meetingStatus"] = meeting
    # The 2026-04 fields (docs/contract.md#presence-record). No seeded user works in a contact
    # centre (RingCX).
    record["cxTelephonyStatus"] = "NoCall"
    record["aggregatedTelephonyStatus"] = telephony
    if view.detailed:
        record["activeCalls"] = [_call(call, view.sip) for call in calls]
    return record


def parked_record(base: str, ext: Extension, live: Telephony | None, view: View) -> dict[str, Any]:
    """A Park Location: the non-user shape (docs/contract.md#non-user-extensions), plus
    `telephonyStatus` ParkedCall and its parked calls while it holds any (decisions CALL-29,
    CALL-10)."""
    record = offline_record(base, ext)
    if live is not None and live.calls:
        record["telephonyStatus"] = telephony_status(live.calls)
        if view.detailed:
            record["activeCalls"] = [_call(call, view.sip) for call in live.calls]
    return record


def _call(call: dict[str, Any], with_sip: bool) -> dict[str, Any]:
    if with_sip or "sipData" not in call:
        return call
    return {k: v for k, v in call.items() if k != "sipData"}


def dumps(body: Any, sort_keys: bool = False) -> bytes:
    """Compact, ASCII-only JSON: every multipart part stays 7-bit, needing no transfer encoding.

    orjson is the fast path (docs/decisions.md, "JSON encoding"); its bytes are the json
    module's whenever the text is ASCII and the keys are strings. Anything else (a non-ASCII
    name, an int key) takes the json module's path, so the bytes never depend on which encoder
    ran. `sort_keys`: members in key order, as the json module's option of that name.
    """
    try:
        fast = orjson.dumps(body, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except TypeError:
        fast = b""
    if fast and fast.isascii():
        return fast
    return json.dumps(body, separators=(",", ":"), sort_keys=sort_keys).encode()


_boundary_counter = itertools.count(1)


def _boundary() -> str:
    # The platform's style, e.g. Boundary_20_32057915_1351669531796; never quoted
    # (docs/contract.md#batch).
    return f"Boundary_{next(_boundary_counter)}_{os.getpid()}_{time.time_ns() // 1_000_000}"


def multipart(bodies: list[dict[str, Any]]) -> tuple[str, bytes]:
    """Frame the parts of a 207 answer; returns (Content-Type, body).

    Written by hand rather than with the email package: the bytes are the same (a test compares
    them with `_multipart_with_email`), but MIMEMultipart.as_bytes cost over 80% of a batch of 30.
    """
    boundary = _boundary()
    delimiter = b"--" + boundary.encode("ascii")
    chunks: list[bytes] = []
    for body in bodies:
        chunks += [delimiter, b"\r\nContent-Type: application/json\r\n\r\n", dumps(body), b"\r\n"]
    chunks += [delimiter, b"--\r\n"]
    return f"multipart/mixed; boundary={boundary}", b"".join(chunks)


def _multipart_with_email(bodies: list[dict[str, Any]], boundary: str) -> bytes:
    """The reference framing by the email package, kept for the test of `multipart`."""
    message = MIMEMultipart("mixed", boundary=boundary)
    for body in bodies:
        part = MIMENonMultipart("application", "json")
        del part["MIME-Version"]
        part.set_payload(dumps(body).decode("ascii"))
        message.attach(part)
    raw = message.as_bytes(policy=policy.HTTP)
    return raw.partition(b"\r\n\r\n")[2]
