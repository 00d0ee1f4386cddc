"""One call step's view of the store, inside its transaction (engine.py runs it): the account's
session record, the overrides of the extensions it locked, and what the step changed; then what
is written (every touched extension's activeCalls rebuilt) and who is told."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.directory.model import Account, Extension
from mockserver.errors import ResourceNotFound
from mockserver.presence.live import CALLS_KEY, MEETING_KEY, split, telephony
from mockserver.storage.base import Transaction
from mockserver.telephony import sessions
from mockserver.telephony.errors import CallStateConflict
from mockserver.telephony.sessions import Party, Session, add_party, live, other_side

Side = tuple[str, str | None]  # a party's number and name


class Stale(Exception):
    """The step needs extensions it did not lock: run it again with them."""

    def __init__(self, needed: set[int]) -> None:
        super().__init__(needed)
        self.needed = needed


@dataclass
class Book:
    """One step's view of the store, inside its transaction."""

    account: Account
    record: dict[str, Any]
    overrides: dict[int, dict[str, Any]]
    locked: frozenset[int]
    now: str
    touched: dict[str, Session] = field(default_factory=dict)
    ended: set[str] = field(default_factory=set)  # party IDs that ended in this step
    meetings: dict[int, str] = field(default_factory=dict)
    result: Any = None

    @property
    def sessions(self) -> dict[str, Session]:
        found: dict[str, Session] = self.record.setdefault("sessions", {})
        return found

    def need(self, *extension_ids: int) -> None:
        missing = {i for i in extension_ids if i not in self.locked}
        if missing:
            raise Stale(missing)

    def settings(self, ext: Extension) -> dict[str, Any]:
        self.need(ext.id)
        return dict(split(ext, self.overrides.get(ext.id)).settings)

    def calls(self, ext: Extension) -> list[dict[str, Any]]:
        self.need(ext.id)
        return list(telephony(ext, self.overrides.get(ext.id)).calls)

    def meeting(self, ext: Extension) -> str | None:
        if ext.id in self.meetings:
            return self.meetings[ext.id]
        self.need(ext.id)
        return telephony(ext, self.overrides.get(ext.id)).meeting

    def session(self, session_id: str) -> Session:
        found = self.sessions.get(session_id)
        if found is None:
            raise ResourceNotFound("telephonySessionId")
        self.need(*sessions.extensions_of(found))
        self.touched[session_id] = found
        return found

    def end(self, party: Party) -> None:
        if party["status"] in sessions.LIVE:
            party["status"] = "NoCall"
            self.ended.add(party["partyId"])


def written(book: Book) -> Transaction:
    """The session record and the new activeCalls of every extension a session touched."""
    changes: dict[int, dict[str, Any]] = {}
    touched_ids = {e for s in book.touched.values() for e in sessions.extensions_of(s)}
    for ext_id in sorted(touched_ids):
        ext = book.account.by_id[ext_id]
        kept = [
            c
            for c in book.calls(ext)
            if c.get("telephonyStatus") != "NoCall"
            and c.get("telephonySessionId") not in book.touched
        ]
        for session in book.touched.values():
            for party in session["parties"]:
                shown = party["status"] in sessions.LIVE or party["partyId"] in book.ended
                if party["ext"] == ext_id and shown:
                    kept.append(sessions.call_info(session, party))
        changes[ext_id] = {CALLS_KEY: kept}
    for ext_id, status in book.meetings.items():
        changes.setdefault(ext_id, {})[MEETING_KEY] = status
    for session_id, session in book.touched.items():
        if not live(session):  # over: only the parties' `final` entries remain
            del book.sessions[session_id]
    return Transaction(book.record, changes)


def answer(book: Book) -> dict[str, Any]:
    """What a step answers: what it set as its result, else its session as /_mock/calls shows it."""
    if isinstance(book.result, dict):
        return book.result
    session_id = book.result or next(iter(book.touched), None)
    found = book.touched.get(session_id) if session_id else None
    if found is None:
        found = book.sessions.get(session_id or "")
    return sessions.public(found) if found else {}


def new_session(book: Book, kind: str, seed: int) -> Session:
    """A new session of the account, ringing nobody yet."""
    session_id, numeric = sessions.new_ids(book.record, seed, book.account.id)
    session: Session = {
        "id": session_id,
        "sessionId": numeric,
        "startTime": book.now,
        "kind": kind,
        "queue": None,
        "next": 1,
        "parties": [],
    }
    book.sessions[session_id] = session
    book.touched[session_id] = session
    return session


def join(
    book: Book, session: Session, ext: Extension, status: str, role: str, caller: Side
) -> None:
    """`ext` joins the call as a new Inbound party (the next party number), from `caller`."""
    number, name = caller
    add_party(
        session,
        ext=ext.id,
        direction="Inbound",
        status=status,
        startTime=book.now,
        role=role,
        **{"from": number, "fromName": name, "to": ext.number, "toName": ext.name},
    )


def far_side(session: Session, party: Party) -> Side:
    """The number and name of whom `party` talks to (who a park or transfer hands on)."""
    waiting = other_side(session, party)
    if waiting is None:
        raise CallStateConflict("telephonySessionId", "nobody is on the other side")
    return sessions.side(waiting)


def changed(book: Book) -> list[int]:
    """Who to tell: every party of a touched session and every meeting changed, in order."""
    seen: dict[int, None] = {}
    for session in book.touched.values():
        for ext_id in sessions.extensions_of(session):
            seen.setdefault(ext_id, None)
    for ext_id in book.meetings:
        seen.setdefault(ext_id, None)
    return list(seen)
