"""What the presence board shows: one row per extension, filtered and paged.

The presence part of a row is read through `PresenceService` exactly as the REST API reads it
(`settings` then `record`, the path of readAccountPresence), as the account's administrator
with `detailedTelephonyState=true`, so the board shows what that GET would (docs/board.md).
The rest of a row (name, type, queues) comes from the directory, which no request changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.directory.model import DEFAULT_APP_PERMISSIONS, Account, Extension, ExtensionType
from mockserver.emulator import Emulator
from mockserver.errors import InvalidParameter, ResourceNotFound
from mockserver.inputs import is_digits
from mockserver.platform.tokens import Caller
from mockserver.presence.paging import Page, page_size, positive_int
from mockserver.presence.wire import View

Row = dict[str, Any]
Query = Mapping[str, list[str]]

BOARD_CLIENT = "presence-mock-board"  # the caller's client ID: never an app of the directory
VIEW = View(detailed=True, sip=False)
PER_PAGE = 60  # a screen of cards; the page asks for what fits (docs/board.md)
MAX_PER_PAGE = 200  # never a 100,000-node page
PRESENCE_STATUSES = ("Available", "Busy", "Offline")
TELEPHONY_STATUSES = ("NoCall", "Ringing", "CallConnected", "OnHold", "ParkedCall")
MAX_SEARCH = 100  # characters of the search text (inputs are bounded: ERR-9)


@dataclass(frozen=True, slots=True)
class Filters:
    """What the board's filter bar asks for; empty means no filter."""

    types: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()  # presenceStatus
    telephony: frozenset[str] = frozenset()  # telephonyStatus
    queue: int | None = None  # a Department's extension ID: its members only
    text: str = ""  # part of the name, the extension number or the direct number

    @classmethod
    def of(cls, query: Query) -> Filters:
        types = _choices(query, "type", tuple(t.value for t in ExtensionType))
        statuses = _choices(query, "status", PRESENCE_STATUSES)
        telephony = _choices(query, "telephony", TELEPHONY_STATUSES)
        queue_text = _single(query, "queue")
        if queue_text and not is_digits(queue_text):
            raise InvalidParameter("queue")
        text = _single(query, "search").strip()
        if len(text) > MAX_SEARCH:
            raise InvalidParameter("search")
        return cls(types, statuses, telephony, int(queue_text) if queue_text else None, text)

    @property
    def reads_presence(self) -> bool:
        """Whether choosing the rows needs every candidate's presence (not only the page's)."""
        return bool(self.statuses or self.telephony)


def _single(query: Query, name: str) -> str:
    values = query.get(name) or [""]
    return values[0]


def _choices(query: Query, name: str, allowed: Sequence[str]) -> frozenset[str]:
    given = frozenset(v for v in query.get(name, []) if v)
    if not given <= frozenset(allowed):
        raise InvalidParameter(name)
    return given


def account_of(emulator: Emulator, query: Query) -> Account:
    """The account the board shows: `account=<id>`, or the first account."""
    given = _single(query, "account")
    if not given:
        return emulator.directory.accounts[0]
    found = emulator.directory.accounts_by_id.get(int(given)) if is_digits(given) else None
    if found is None:
        raise ResourceNotFound("accountId")
    return found


def board_caller(emulator: Emulator, account: Account) -> Caller:
    """The board reads and writes as the account's administrator (an administrator sees hidden
    users: docs/contract.md#visibility; decision BOARD-2)."""
    admin = account.administrator
    return Caller(
        account_id=account.id,
        extension_id=admin.id,
        client_id=BOARD_CLIENT,
        admin=True,
        permissions=DEFAULT_APP_PERMISSIONS,
        now=emulator.clock.now(),
    )


def extension_of(account: Account, id_param: str) -> Extension:
    found = account.by_id.get(int(id_param)) if is_digits(id_param) else None
    if found is None:
        raise ResourceNotFound("extensionId")
    return found


def rows_of(
    emulator: Emulator, base: str, account: Account, extensions: Sequence[Extension]
) -> list[Row]:
    """Rows of `extensions`, their presence read in one batch as readAccountPresence does
    (`states` then `record`: settings and live telephony in one store read)."""
    presence = emulator.presence
    caller = board_caller(emulator, account)
    states = presence.states(extensions)
    return [
        _row(account, ext, presence.record(base, caller, ext, states, VIEW)) for ext in extensions
    ]


def _row(account: Account, ext: Extension, record: Row) -> Row:
    return {
        "id": ext.id,
        "extensionNumber": ext.number,
        "name": ext.name,
        "type": ext.type.value,
        "status": ext.status,
        "phoneNumber": ext.phone_number,
        "queues": [{"id": q.id, "name": q.name} for q in account.queues_of.get(ext.id, ())],
        "members": len(ext.members),
        "presence": record,
    }


def page_of(emulator: Emulator, base: str, account: Account, query: Query) -> Row:
    """One page of the account's rows under the filters, in listing order; or, with `ids`
    (comma-separated, at most MAX_PER_PAGE), those rows only (the page refreshing the cards an
    event touched)."""
    if "ids" in query:
        chosen = by_ids(account, _single(query, "ids"))
        return {"records": rows_of(emulator, base, account, chosen), "now": _now(emulator)}
    filters = Filters.of(query)
    number = positive_int(_single(query, "page") or None, "page", 1)
    per_page = min(page_size(_single(query, "perPage") or None, PER_PAGE), MAX_PER_PAGE)
    chosen = _matching(account, filters)
    if filters.reads_presence:
        chosen = _by_presence(emulator, base, account, chosen, filters)
    page = Page.of(number, per_page, len(chosen))
    shown = rows_of(emulator, base, account, chosen[page.start : page.start + page.per_page])
    return {
        "records": shown,
        "paging": {
            "page": page.number,
            "perPage": page.per_page,
            "totalPages": page.total_pages,
            "totalElements": page.total,
        },
        "now": _now(emulator),
    }


def _now(emulator: Emulator) -> float:
    """The emulator's clock in ms (the page's call durations run on it)."""
    return emulator.clock.now() * 1000


def by_ids(account: Account, text: str) -> list[Extension]:
    """The account's extensions named by `text` ("1,2,3"); unknown ones are left out (the page
    asks for cards it shows, and a card may belong to another account after a switch)."""
    given = [part for part in text.split(",") if part]
    if len(given) > MAX_PER_PAGE or not all(is_digits(part) and len(part) <= 18 for part in given):
        raise InvalidParameter("ids")
    found = (account.by_id.get(int(part)) for part in given)
    return [ext for ext in found if ext is not None]


def _matching(account: Account, filters: Filters) -> list[Extension]:
    """The extensions the directory alone decides on: type, queue and search text."""
    found: Sequence[Extension] = account.extensions
    if filters.types:
        found = [e for e in found if e.type.value in filters.types]
    if filters.queue is not None:
        queue = account.by_id.get(filters.queue)
        members = {m.extension_id for m in queue.members} if queue is not None else set()
        found = [e for e in found if e.id in members]
    if filters.text:
        text = filters.text.casefold()
        digits = "".join(c for c in text if c.isdigit())
        found = [e for e in found if _finds(e, text, digits)]
    return list(found)


def _finds(ext: Extension, text: str, digits: str) -> bool:
    if text in ext.name.casefold() or ext.number.startswith(text):
        return True
    return bool(digits) and digits == text.lstrip("+") and digits in (ext.phone_number or "")


def _by_presence(
    emulator: Emulator, base: str, account: Account, chosen: list[Extension], filters: Filters
) -> list[Extension]:
    """Those of `chosen` whose presence passes the filters, read in one batch as a GET reads
    it (the simple view: the statuses are the same, without building the calls)."""
    presence = emulator.presence
    caller = board_caller(emulator, account)
    states = presence.states(chosen)
    simple = View()
    return [
        ext
        for ext in chosen
        if _wanted(presence.record(base, caller, ext, states, simple), filters)
    ]


def _wanted(presence: Row, filters: Filters) -> bool:
    if filters.statuses and presence["presenceStatus"] not in filters.statuses:
        return False
    telephony = presence.get("telephonyStatus", "NoCall")
    return not filters.telephony or telephony in filters.telephony
