"""Event filters: what a subscription asks for, as the platform writes them
(docs/contract.md#event-filters).

Served: extension presence (basic, `?detailedTelephonyState=true`, `&sipData=true`), account
presence (optionally detailed) and the subscription reminder. `~` is resolved to the owner's IDs
in the reply's `eventFilters` (the reminder keeps its `~`: decision EVT-9); any
other filter, or one naming another account, is left out with a reason (`disabledFilters`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from mockserver.directory.model import Directory
from mockserver.inputs import whole_number

PRESENCE, ACCOUNT, REMINDER = "presence", "account", "reminder"
_EXTENSION = re.compile(r"/restapi/v1\.0/account/([^/?]+)/extension/([^/?]+)/presence(?:\?(.*))?")
_ACCOUNT = re.compile(r"/restapi/v1\.0/account/([^/?]+)/presence(?:\?(.*))?")
_REMINDER = re.compile(r"/restapi/v1\.0/subscription/~\?(.*)")
FLAGS = ("detailedTelephonyState", "sipData")


@dataclass(frozen=True, slots=True)
class Filter:
    """One served filter, its IDs resolved. `text` is how the reply and `event` write it."""

    kind: str  # PRESENCE, ACCOUNT or REMINDER
    text: str
    account_id: int = 0
    extension_id: int = 0  # PRESENCE only
    detailed: bool = False
    sip: bool = False
    threshold: int = 0  # REMINDER only
    interval: int = 0

    @property
    def rank(self) -> int:
        """Detailed+SIP beats detailed beats basic for the same extension (decision EVT-4)."""
        return 2 if self.sip else 1 if self.detailed else 0


@dataclass(frozen=True, slots=True)
class Refused:
    """A filter left out of the subscription, as `disabledFilters` writes it."""

    filter: str
    reason: str
    message: str
    other_account: bool = False

    def to_wire(self) -> dict[str, str]:
        return {"filter": self.filter, "reason": self.reason, "message": self.message}


class BadReminder(ValueError):
    """A reminder filter whose threshold or interval the platform refuses (SUB-516)."""


def parse(
    text: str, owner_account: int, owner_extension: int, directory: Directory | None
) -> Filter | Refused:
    """One filter of a create or update request, resolved for the owner. Without a directory
    the extension is not looked up (a stored filter, checked when it was stored)."""
    if found := _EXTENSION.fullmatch(text):
        account, extension, query = found.groups()
        flags = _flags(query)
        if flags is None:
            return _unsupported(text)
        account_id = _resolve(account, owner_account)
        extension_id = _resolve(extension, owner_extension)
        if account_id is None or extension_id is None:
            return _unsupported(text)
        if account_id != owner_account:
            return _other_account(text)
        known = directory is None or extension_id in directory.accounts_by_id[owner_account].by_id
        if not known:
            return Refused(text, "Resource not found", f"Extension [{extension_id}] is not found")
        detailed, sip = flags
        path = f"/restapi/v1.0/account/{account_id}/extension/{extension_id}/presence"
        return Filter(PRESENCE, path + _query(query), account_id, extension_id, detailed, sip)
    if found := _ACCOUNT.fullmatch(text):
        account, query = found.groups()
        flags = _flags(query)
        account_id = _resolve(account, owner_account)
        if flags is None or account_id is None:
            return _unsupported(text)
        if account_id != owner_account:
            return _other_account(text)
        path = f"/restapi/v1.0/account/{account_id}/presence"
        return Filter(ACCOUNT, path + _query(query), account_id, 0, *flags)
    if found := _REMINDER.fullmatch(text):
        return _reminder(text, found.group(1))
    return _unsupported(text)


def _resolve(given: str, own: int) -> int | None:
    if given == "~":
        return own
    return whole_number(given, 18)


def _flags(query: str | None) -> tuple[bool, bool] | None:
    """(detailed, sip) from the filter's query; None for a query the filter does not take."""
    pairs = parse_qsl(query or "", keep_blank_values=True)
    given = dict(pairs)
    if len(given) != len(pairs) or any(k not in FLAGS for k in given):
        return None
    if any(v not in ("true", "false") for v in given.values()):
        return None
    detailed = given.get("detailedTelephonyState") == "true"
    sip = given.get("sipData") == "true"
    return detailed, detailed and sip  # sipData alone adds nothing (docs/contract.md#event-filters)


def _query(query: str | None) -> str:
    """The filter's query as given (`event` keeps it: docs/contract.md#notification-envelope)."""
    return f"?{query}" if query else ""


def _reminder(text: str, query: str) -> Filter:
    given = dict(parse_qsl(query, keep_blank_values=True))
    try:
        threshold, interval = int(given["threshold"]), int(given["interval"])
    except (KeyError, ValueError):
        raise BadReminder(text) from None
    if set(given) != {"threshold", "interval"} or threshold <= 0 or interval <= 0:
        raise BadReminder(text)
    return Filter(REMINDER, text, threshold=threshold, interval=interval)


def check_reminder(found: Filter, expires_in: int) -> None:
    """The creating-webhooks guide: threshold at most half the subscription's lifetime, interval
    at most half the threshold; otherwise SUB-516."""
    if found.threshold * 2 > expires_in or found.interval * 2 > found.threshold:
        raise BadReminder(found.text)


def _unsupported(text: str) -> Refused:
    return Refused(text, "Unsupported", "Event filter is not supported by presence-mock")


def _other_account(text: str) -> Refused:
    return Refused(
        text,
        "Permission",
        "Not allowed subscribe for events to extensions of other account",
        other_account=True,
    )
