"""One call step's view of the store, inside its transaction (call_engine.py runs it): the account's
session record, the overrides of the extensions it locked, and what the step changed; then what
is written (every touched extension's activeCalls rebuilt) and who is told."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from mockserver.directory.model import Account, Extension
from mockserver.errors import ResourceNotFound
from mockserver.presence.live import CALLS_KEY, MEETING_KEY, split, telephony
from mockserver.storage.base import Record, Transaction
from mockserver.telephony import call_sessions as sessions
from mockserver.telephony.call_sessions import (
    CallRecord,
    Party,
    Session,
    add_party,
    live,
    other_side,
)
from mockserver.telephony.errors import CallStateConflict

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
    record: CallRecord
    overrides: dict[int, dict[str, Any]]
    locked: frozenset[int]
    now: str
    touched: dict[str, Session] = field(default_factory=dict)
    ended: set[str] = field(default_factory=set)  # party IDs that ended in this step
    meetings: dict[int, str] = field(default_factory=dict)
    result: Any = None
    seeded: Mapping[str, Session] = field(default_factory=dict)  # the seed's calls (seeded.py)

    @property
    def sessions(self) -> dict[str, Session]:
        """The sessions a step touched since the reset (the seed's others are in `seeded`)."""
        found: dict[str, Session] = self.record.setdefault("sessions", {})
        return found

    def peek(self, session_id: str) -> Session | None:
        """A session as it stands, without taking it into the step."""
        return known(self.record, self.seeded, session_id)

    def every(self) -> Iterator[tuple[str, Session]]:
        """Every session in progress: the touched ones and the seed's untouched ones."""
        yield from self.sessions.items()
        retired = set(self.record.get("retired", ()))
        for session_id, session in self.seeded.items():
            if session_id not in self.sessions and session_id not in retired:
                yield session_id, session

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
        if found is None and known(self.record, self.seeded, session_id) is not None:
            found = self.sessions[session_id] = copy.deepcopy(self.seeded[session_id])
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
            if session_id in book.seeded:  # a seeded call stays over until the reset
                book.record.setdefault("retired", []).append(session_id)
    return Transaction(cast(Record, book.record), changes)


def answer(book: Book) -> dict[str, Any]:
    """What a step answers: what it set as its result, else its session as /_mock/calls shows it."""
    if isinstance(book.result, dict):
        return book.result
    session_id = book.result or next(iter(book.touched), None)
    found = book.touched.get(session_id) if session_id else None
    if found is None:
        found = book.sessions.get(session_id or "")
    return sessions.public(found) if found else {}


def known(record: CallRecord, seeded: Mapping[str, Session], session_id: str) -> Session | None:
    """A session of the account's record, else the seed's (unless it ended)."""
    found: Session | None = record.get("sessions", {}).get(session_id)
    if found is None and session_id not in record.get("retired", ()):
        found = seeded.get(session_id)
    return found


def in_progress(record: CallRecord, seeded: Mapping[str, Session]) -> list[Session]:
    """Every session in progress: the seed's (as touched, if they were), then those placed."""
    touched: dict[str, Session] = record.get("sessions", {})
    retired = set(record.get("retired", ()))
    seed = [touched.get(i, s) for i, s in seeded.items() if i not in retired]
    return seed + [s for i, s in touched.items() if i not in seeded]


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
