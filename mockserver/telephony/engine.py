"""CallEngine: place, ring, answer, hold, park, pick up, transfer and end simulated calls, ring
queues and hold meetings, and keep every party's presence in step (issue 14).

Each step is one `Store.transact` over the account's session record and the overrides of every
extension it touches, so a step is all or nothing and every worker and replica sees the same
calls; then `PresenceService.changed` is told about the parties, in party order (the events
publisher listens there). Steps follow presence-more.md section 5 and its decisions 18-28; the
choices they leave open are in docs/decisions.md (issue 14).
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver.directory.model import (
    LEGACY_WRITABLE_FIELDS,
    Account,
    Directory,
    Extension,
    ExtensionType,
)
from mockserver.errors import InvalidParameter, ResourceNotFound
from mockserver.platform.clock import Clock
from mockserver.presence.live import CALLS_KEY, MEETING_KEY, split
from mockserver.presence.queues import QUEUE_DND
from mockserver.presence.service import PresenceService
from mockserver.storage import Store
from mockserver.storage.base import Transaction
from mockserver.telephony import sessions
from mockserver.telephony.errors import CallStateConflict
from mockserver.telephony.sessions import Party, Session, add_party, live, other_side, party_of

NAMESPACE = "telephony"
ACTIVITY_KEY = "activity"  # beside the accounts' records, whose keys are numbers
ATTEMPTS = 8  # a step that finds more parties than it locked runs again with them


class _Stale(Exception):
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
            raise _Stale(missing)

    def settings(self, ext: Extension) -> dict[str, Any]:
        self.need(ext.id)
        return dict(split(ext, self.overrides.get(ext.id))[0])

    def calls(self, ext: Extension) -> list[dict[str, Any]]:
        self.need(ext.id)
        return list(split(ext, self.overrides.get(ext.id))[1].calls)

    def meeting(self, ext: Extension) -> str | None:
        if ext.id in self.meetings:
            return self.meetings[ext.id]
        self.need(ext.id)
        return split(ext, self.overrides.get(ext.id))[1].meeting

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


class CallEngine:
    def __init__(self, presence: PresenceService, clock: Clock, seed: int) -> None:
        self.presence = presence
        self.directory: Directory = presence.directory
        self.store: Store = presence.store
        self.clock = clock
        self.seed = seed

    # -- lookups --------------------------------------------------------------------------------
    def account(self, account_id: int | str | None = None) -> Account:
        """The account named (an ID), or the first one."""
        if account_id in (None, "", "~"):
            return self.directory.accounts[0]
        found = self.directory.accounts_by_id.get(int(account_id)) if _digits(account_id) else None
        if found is None:
            raise ResourceNotFound("accountId")
        return found

    def extension(self, account: Account, ref: int | str, parameter: str) -> Extension:
        """An extension of the account by ID or extension number."""
        text = str(ref)
        found = account.by_id.get(int(text)) if text.isdigit() else None
        if found is None:
            found = next((e for e in account.extensions if e.number == text), None)
        if found is None:
            raise ResourceNotFound(parameter)
        return found

    def sessions(self, account: Account) -> list[dict[str, Any]]:
        record = self.store.get(NAMESPACE, str(account.id)) or {}
        return [sessions.public(s) for s in record.get("sessions", {}).values()]

    def placed(self, account: Account) -> int:
        """How many calls were placed in the account since the last reset."""
        return int((self.store.get(NAMESPACE, str(account.id)) or {}).get("counter", 0))

    def session(self, account: Account, session_id: str) -> dict[str, Any]:
        record = self.store.get(NAMESPACE, str(account.id)) or {}
        found = record.get("sessions", {}).get(session_id)
        if found is None:
            raise ResourceNotFound("telephonySessionId")
        return sessions.public(found)

    # -- steps ----------------------------------------------------------------------------------
    def call(
        self, account: Account, caller: str, callee: str, name: str | None = None
    ) -> dict[str, Any]:
        """An inbound call from an outside number (E.164, `+...`) to an extension, an internal
        call between two extensions, or an outbound call from an extension to a number: it
        rings (decision 21: the caller's party rings too until the call is answered)."""
        outside_from, outside_to = caller.startswith("+"), callee.startswith("+")
        if outside_from and outside_to:
            raise InvalidParameter(
                "to",
                message="Parameter [to] value is invalid: one party "
                "of a call must be an extension.",
            )
        source = None if outside_from else self._user(account, caller, "from")
        target = None if outside_to else self._user(account, callee, "to")
        ids = [e.id for e in (source, target) if e is not None]

        def step(book: Book) -> None:
            if source is not None:
                self._may_call(book, source)
            if target is not None:
                self._may_ring(book, target, "to")
            session = self._new_session(
                book,
                "internal" if source and target else "inbound" if source is None else "outbound",
            )
            mine: tuple[str, str | None]
            theirs: tuple[str, str | None]
            if source is None:
                assert target is not None
                mine = (caller, name)
                theirs = (_e164(account, target), target.name)
            elif target is None:
                mine = (_e164(account, source), source.name)
                theirs = (callee, name)
            else:  # decision 22: extension numbers and names between extensions
                mine, theirs = (source.number, source.name), (target.number, target.name)
            fields = {"from": mine[0], "fromName": mine[1], "to": theirs[0], "toName": theirs[1]}
            add_party(
                session,
                ext=source.id if source else None,
                direction="Outbound",
                status="Ringing",
                startTime=book.now,
                role="caller",
                **fields,
            )
            add_party(
                session,
                ext=target.id if target else None,
                direction="Inbound",
                status="Ringing",
                startTime=book.now,
                role="callee",
                **fields,
            )
            book.result = session["id"]

        return self._run(account, ids, step)

    def queue_call(
        self, account: Account, queue_ref: str, caller: str, name: str | None = None
    ) -> dict[str, Any]:
        """A call from an outside number to a call queue: it rings every member who takes the
        queue's calls now (decision 27; docs/decisions.md: who is rung)."""
        queue = self.extension(account, queue_ref, "queueId")
        if queue.type is not ExtensionType.DEPARTMENT:
            raise ResourceNotFound("queueId")
        if not caller.startswith("+"):
            raise InvalidParameter("from")
        members = [account.by_id[m.extension_id] for m in queue.members]

        def step(book: Book) -> None:
            flags = book.overrides.get(queue.id, {})
            rung = [
                m
                for m in queue.members
                if flags.get(str(m.extension_id), m.accept_calls)
                and self._available(book, account.by_id[m.extension_id], queue=True)
            ]
            if not rung:
                raise CallStateConflict("queueId", "no member of the queue takes calls now")
            session = self._new_session(book, "queue")
            session["queue"] = {"id": queue.id, "name": queue.name, "number": queue.number}
            session["caller"] = {"number": caller, "name": name}
            fields = {"from": caller, "fromName": name, "to": queue.number, "toName": queue.name}
            add_party(
                session,
                ext=None,
                direction="Outbound",
                status="Ringing",
                startTime=book.now,
                role="caller",
                **fields,
            )
            for member in rung:
                add_party(
                    session,
                    ext=member.extension_id,
                    direction="Inbound",
                    status="Ringing",
                    startTime=book.now,
                    role="member",
                    **fields,
                )
            book.result = session["id"]

        return self._run(account, [queue.id, *(m.id for m in members)], step)

    def answer(self, account: Account, session_id: str, by: str | None = None) -> dict[str, Any]:
        """The ringing callee (or queue member `by`) answers: both sides are connected; the other
        members rung by a queue call stop ringing, their calls ended `final` (decision 27)."""
        who = self._ref(account, by)

        def step(book: Book) -> None:
            session = book.session(session_id)
            ringing = [p for p in live(session) if p["status"] == "Ringing"]
            callees = [p for p in ringing if p["direction"] == "Inbound"]
            if who is not None:
                chosen = [p for p in callees if p["ext"] == who.id]
                if not chosen:
                    raise CallStateConflict("extensionId", "this extension's call is not ringing")
            else:
                chosen = callees[:1]
            if not chosen:
                raise CallStateConflict("telephonySessionId", "the call is not ringing")
            for party in ringing:
                if party is chosen[0] or party["direction"] == "Outbound":
                    party["status"] = "CallConnected"
                else:
                    book.end(party)

        return self._run(account, [], step, session_id)

    def hold(self, account: Account, session_id: str, by: str | None = None) -> dict[str, Any]:
        """The party of `by` (or the first connected extension) puts the call on hold; only that
        party reads OnHold (decision 24)."""
        return self._flip(account, session_id, by, "CallConnected", "OnHold")

    def unhold(self, account: Account, session_id: str, by: str | None = None) -> dict[str, Any]:
        return self._flip(account, session_id, by, "OnHold", "CallConnected")

    def park(
        self,
        account: Account,
        session_id: str,
        by: str | None = None,
        location: str | None = None,
    ) -> dict[str, Any]:
        """A connected (or held) party parks the call at a Park Location: the parker's call ends
        `final`, the location reads ParkedCall (decision 25), the other side waits."""
        who = self._ref(account, by)
        spot = self._park_location(account, location)

        def step(book: Book) -> None:
            session = book.session(session_id)
            parker = self._party(session, who, {"CallConnected", "OnHold"}, "park")
            waiting = other_side(session, parker)
            if waiting is None:
                raise CallStateConflict("telephonySessionId", "nobody is on the other side")
            number, name = sessions.side(waiting)
            book.end(parker)
            add_party(
                session,
                ext=spot.id,
                direction="Inbound",
                status="ParkedCall",
                startTime=book.now,
                role="park",
                **{"from": number, "fromName": name, "to": spot.number, "toName": spot.name},
            )

        return self._run(account, [spot.id], step, session_id)

    def pickup(self, account: Account, session_id: str, by: str) -> dict[str, Any]:
        """A user picks up a parked call: the location's call ends, theirs is connected."""
        user = self._user(account, by, "extensionId")

        def step(book: Book) -> None:
            session = book.session(session_id)
            parked = [p for p in live(session) if p["status"] == "ParkedCall"]
            if not parked:
                raise CallStateConflict("telephonySessionId", "the call is not parked")
            self._may_call(book, user)
            number, name = parked[0]["from"], parked[0].get("fromName")
            book.end(parked[0])
            add_party(
                session,
                ext=user.id,
                direction="Inbound",
                status="CallConnected",
                startTime=book.now,
                role="callee",
                **{"from": number, "fromName": name, "to": user.number, "toName": user.name},
            )

        return self._run(account, [user.id], step, session_id)

    def transfer(
        self,
        account: Account,
        session_id: str,
        to: str,
        by: str | None = None,
        warm: bool = False,
    ) -> dict[str, Any]:
        """Blind: the transferor's call ends and the target rings in the same session with the
        next party number (decision 26). Warm: the transferor has a connected consultation call
        with the target; both of the transferor's calls end, the consultation ends, and the
        target is connected to the other side (docs/decisions.md)."""
        who = self._ref(account, by)
        target = self._user(account, to, "to")

        def step(book: Book) -> None:
            session = book.session(session_id)
            mover = self._party(session, who, {"CallConnected", "OnHold"}, "transfer")
            waiting = other_side(session, mover)
            if waiting is None:
                raise CallStateConflict("telephonySessionId", "nobody is on the other side")
            if target.id in {p["ext"] for p in live(session)}:
                raise CallStateConflict("to", "the target is already on this call")
            number, name = sessions.side(waiting)
            fields = {"from": number, "fromName": name, "to": target.number, "toName": target.name}
            if warm:
                consult = self._consultation(book, mover["ext"], target.id, session_id)
                for party in live(consult):
                    book.end(party)
                book.end(mover)
                add_party(
                    session,
                    ext=target.id,
                    direction="Inbound",
                    status="CallConnected",
                    startTime=book.now,
                    role="callee",
                    **fields,
                )
            else:
                self._may_ring(book, target, "to")
                book.end(mover)
                add_party(
                    session,
                    ext=target.id,
                    direction="Inbound",
                    status="Ringing",
                    startTime=book.now,
                    role="callee",
                    **fields,
                )

        return self._run(account, [target.id], step, session_id)

    def end(self, account: Account, session_id: str, by: str | None = None) -> dict[str, Any]:
        """Hang up: the party of `by`, or everyone; a call left with fewer than two parties on it
        ends for all (decision 20: each ended call reads NoCall `final` once)."""
        who = self._ref(account, by)

        def step(book: Book) -> None:
            session = book.session(session_id)
            if who is not None:
                party = self._party(session, who, sessions.LIVE, "end")
                book.end(party)
            if who is None or len(live(session)) < 2:
                for party in live(session):
                    book.end(party)

        return self._run(account, [], step, session_id)

    def meeting(self, account: Account, user_ref: str, start: bool) -> dict[str, Any]:
        """A user joins (meetingStatus Connected) or leaves (Disconnected) a meeting."""
        user = self._user(account, user_ref, "extensionId")

        def step(book: Book) -> None:
            now = book.meeting(user)
            if start and now == "Connected":
                raise CallStateConflict("extensionId", "the user is already in a meeting")
            if not start and now != "Connected":
                raise CallStateConflict("extensionId", "the user is not in a meeting")
            book.meetings[user.id] = "Connected" if start else "Disconnected"
            book.result = {"extensionId": user.id, "meetingStatus": book.meetings[user.id]}

        return self._run(account, [user.id], step)

    def set_presence(
        self, account: Account, user_ref: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Change a user's writable presence fields as their own PUT would (already checked
        against PresenceInfoRequest): what a scenario or the office does with status and DND."""
        user = self._user(account, user_ref, "extensionId")
        if not account.communication_handling:  # decision 7, as PresenceService.update
            changes = {k: v for k, v in changes.items() if k in LEGACY_WRITABLE_FIELDS}
        if changes:
            self.store.merge_overrides(user.id, changes)  # type: ignore[arg-type]
            self.presence.changed([user.id])
        return {"extensionId": user.id, **changes}

    # -- the background (activity.py runs it; this is what says it should) ----------------------
    def activity(self) -> dict[str, Any] | None:
        """The background activity the emulator should run, None when off (or after a reset)."""
        return self.store.get(NAMESPACE, ACTIVITY_KEY)

    def start_activity(self, name: str, rate: float, seed: int) -> dict[str, Any]:
        """Ask for `name` at `rate` from `seed`; a new `run` makes a running one start over."""
        record = {
            "name": name,
            "rate": rate,
            "seed": seed,
            "run": secrets.token_hex(4),
            "since": sessions.timestamp(self.clock.now()),
        }
        self.store.put(NAMESPACE, ACTIVITY_KEY, record)
        return record

    def stop_activity(self) -> None:
        self.store.take(NAMESPACE, ACTIVITY_KEY)

    def reset(self) -> None:
        """Forget every session and stop the background (the overrides go with the store's
        reset)."""
        for account in self.directory.accounts:
            self.store.take(NAMESPACE, str(account.id))
        self.stop_activity()

    # -- the transaction ------------------------------------------------------------------------
    def _run(
        self,
        account: Account,
        ids: Sequence[int],
        step: Callable[[Book], None],
        session_id: str | None = None,
    ) -> dict[str, Any]:
        locked = set(ids)
        if session_id is not None:  # its parties, as they stand now (checked again inside)
            snapshot = (self.store.get(NAMESPACE, str(account.id)) or {}).get("sessions", {})
            if session_id in snapshot:
                locked |= set(sessions.extensions_of(snapshot[session_id]))
        now = sessions.timestamp(self.clock.now())
        for _ in range(ATTEMPTS):
            holder: list[Book] = []

            def apply(
                record: dict[str, Any] | None,
                overrides: dict[int, dict[str, Any]],
                lock: frozenset[int] = frozenset(locked),
                holder: list[Book] = holder,
            ) -> Transaction:
                book = Book(account, copy.deepcopy(record or {}), overrides, lock, now)
                step(book)
                holder[:] = [book]
                return self._written(book)

            try:
                self.store.transact(NAMESPACE, str(account.id), sorted(locked), apply)
            except _Stale as stale:
                locked |= stale.needed
                continue
            book = holder[0]
            self.presence.changed(_changed(book))
            return self._answer(book)
        raise RuntimeError("the call step kept finding new parties")  # pragma: no cover

    def _written(self, book: Book) -> Transaction:
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

    def _answer(self, book: Book) -> dict[str, Any]:
        if isinstance(book.result, dict):
            return book.result
        session_id = book.result or next(iter(book.touched), None)
        found = book.touched.get(session_id) if session_id else None
        if found is None:
            found = book.sessions.get(session_id or "")
        return sessions.public(found) if found else {}

    # -- rules ----------------------------------------------------------------------------------
    def _new_session(self, book: Book, kind: str) -> Session:
        session_id, numeric = sessions.new_ids(book.record, self.seed, book.account.id)
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

    def _user(self, account: Account, ref: str, parameter: str) -> Extension:
        ext = self.extension(account, ref, parameter)
        if not ext.type.is_user:
            raise InvalidParameter(
                parameter,
                message=f"Parameter [{parameter}] value is invalid: "
                f"a {ext.type.value} extension has no phone of its own.",
            )
        return ext

    def _ref(self, account: Account, ref: str | None) -> Extension | None:
        return None if ref in (None, "") else self._user(account, str(ref), "extensionId")

    def _park_location(self, account: Account, ref: str | None) -> Extension:
        if ref in (None, ""):
            spot = next(
                (e for e in account.extensions if e.type is ExtensionType.PARK_LOCATION), None
            )
            if spot is None:
                raise InvalidParameter(
                    "location",
                    message="Parameter [location] value is "
                    "invalid: the account has no Park Location.",
                )
            return spot
        spot = self.extension(account, str(ref), "location")
        if spot.type is not ExtensionType.PARK_LOCATION:
            raise InvalidParameter("location")
        return spot

    def _may_call(self, book: Book, user: Extension) -> None:
        if user.status != "Enabled":
            raise CallStateConflict("from", f"the extension is {user.status}")
        book.need(user.id)

    def _may_ring(self, book: Book, user: Extension, parameter: str) -> None:
        if not self._available(book, user, queue=False):
            raise CallStateConflict(
                parameter, "the user takes no calls now (Offline, Do Not Disturb or inactive)"
            )

    def _available(self, book: Book, user: Extension, queue: bool) -> bool:
        """Whether a call rings this user: an active user who is not Offline and not in
        DoNotAcceptAnyCalls; for a queue call also not in DoNotAcceptDepartmentCalls, on an
        account with communication handling not in personal DND and with
        acceptCallQueueCalls on, and not already on a call (docs/decisions.md)."""
        if not user.type.is_user or user.status != "Enabled":
            return False
        settings = book.settings(user)
        if settings.get("userStatus") == "Offline":
            return False
        dnd = settings.get("dndStatus", "TakeAllCalls")
        if (
            dnd == "DoNotAcceptAnyCalls"
            or settings.get("dndStatusPersonal") == "DoNotAcceptAnyCalls"
        ):
            return False
        if not queue:
            return True
        if dnd in QUEUE_DND:
            return False
        if book.account.communication_handling and not settings.get("acceptCallQueueCalls"):
            return False
        return not any(c.get("telephonyStatus") in sessions.LIVE for c in book.calls(user))

    def _party(
        self,
        session: Session,
        who: Extension | None,
        states: Collection[str],
        action: str,
    ) -> Party:
        if who is not None:
            party = party_of(session, who.id)
            if party is None:
                raise CallStateConflict("extensionId", "the extension is not on this call")
        else:
            found = [p for p in live(session) if p["ext"] is not None and p.get("role") != "park"]
            preferred = [p for p in found if p["status"] in states]
            if not (preferred or found):
                raise CallStateConflict("telephonySessionId", "no extension is on this call")
            party = (preferred or found)[0]
        if party["status"] not in states:
            raise CallStateConflict(
                "telephonySessionId", f"cannot {action} a call that is {party['status']}"
            )
        return party

    def _flip(
        self, account: Account, session_id: str, by: str | None, before: str, after: str
    ) -> dict[str, Any]:
        who = self._ref(account, by)
        action = "hold" if after == "OnHold" else "unhold"

        def step(book: Book) -> None:
            session = book.session(session_id)
            self._party(session, who, {before}, action)["status"] = after

        return self._run(account, [], step, session_id)

    def _consultation(self, book: Book, mover: int, target: int, original: str) -> Session:
        """The connected call between the transferor and the target (a warm transfer's)."""
        for session_id, session in book.sessions.items():
            if session_id == original:
                continue
            on = {p["ext"]: p["status"] for p in live(session)}
            if on.get(mover) == "CallConnected" and on.get(target) == "CallConnected":
                return book.session(session_id)
        raise CallStateConflict(
            "to", "a warm transfer needs a connected call between the transferor and the target"
        )


def _changed(book: Book) -> list[int]:
    seen: dict[int, None] = {}
    for session in book.touched.values():
        for ext_id in sessions.extensions_of(session):
            seen.setdefault(ext_id, None)
    for ext_id in book.meetings:
        seen.setdefault(ext_id, None)
    return list(seen)


def _e164(account: Account, ext: Extension) -> str:
    return ext.phone_number or account.main_number


def _digits(value: object) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())
