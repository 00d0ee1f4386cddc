"""CallEngine: place, ring, answer, hold, park, pick up, transfer and end simulated calls, ring
queues and hold meetings, and keep every party's presence in step.

Each step is one `Transactions.transact` over the account's session record and the overrides of
every extension it touches, so a step is all or nothing and every worker and replica sees the same
calls; then `PresenceService.changed` is told about the parties, in party order (the events
publisher listens there). Steps follow docs/contract.md#call-lifecycle and decisions PRES-1,
PRES-18, CALL-24 to CALL-31 and ACT-1; the choices they leave open are CALL-1 to CALL-23.
"""

from __future__ import annotations

import contextlib
import copy
import secrets
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from mockserver.directory.model import (
    LEGACY_WRITABLE_FIELDS,
    Account,
    Directory,
    Extension,
    ExtensionType,
)
from mockserver.errors import InvalidParameter, ResourceNotFound
from mockserver.inputs import whole_number
from mockserver.platform.clock import Clock
from mockserver.presence.service import PresenceService
from mockserver.storage import EventStream, Leases, Overrides, Records, Transactions
from mockserver.storage.base import Transaction
from mockserver.telephony import call_rules as rules
from mockserver.telephony import call_sessions as sessions
from mockserver.telephony import magic
from mockserver.telephony.book import (
    Book,
    Stale,
    answer,
    changed,
    far_side,
    in_progress,
    join,
    known,
    new_session,
    written,
)
from mockserver.telephony.call_sessions import CallRecord, add_party, live
from mockserver.telephony.errors import CallStateConflict
from mockserver.telephony.magic import PlanStep
from mockserver.telephony.seeded import seeded_sessions

NAMESPACE = "telephony"
ACTIVITY_KEY = "activity"  # beside the accounts' records, whose keys are numbers
PLAYER_KEY = "activity-player"  # the progress of the player holding the day (player.py)
Side = tuple[str, str | None]  # a party's number and name
ATTEMPTS = 8  # a step that finds more parties than it locked runs again with them


class CallStore(Records, Overrides, Transactions, Leases, EventStream, Protocol):
    """What live telephony uses of the store: the sessions (records) changed together with
    the parties' overrides, and for the office-day player its lease and the event log's end."""


class CallEngine:
    def __init__(
        self, presence: PresenceService, store: CallStore, clock: Clock, seed: int
    ) -> None:
        self.presence = presence
        self.directory: Directory = presence.directory
        self.store = store
        self.clock = clock
        self.seed = seed
        self._seeded: dict[int, dict[str, sessions.Session]] = {}

    # -- lookups --------------------------------------------------------------------------------
    def account(self, account_id: int | str | None = None) -> Account:
        """The account named (an ID), or the first one."""
        if account_id in (None, "", "~"):
            return self.directory.accounts[0]
        number = whole_number(account_id)
        found = self.directory.accounts_by_id.get(number) if number is not None else None
        if found is None:
            raise ResourceNotFound("accountId")
        return found

    def extension(self, account: Account, ref: int | str, parameter: str) -> Extension:
        """An extension of the account by ID or extension number."""
        text = str(ref)
        number = whole_number(ref)
        found = account.by_id.get(number) if number is not None else None
        if found is None:
            found = next((e for e in account.extensions if e.number == text), None)
        if found is None:
            raise ResourceNotFound(parameter)
        return found

    def seeded(self, account: Account) -> dict[str, sessions.Session]:
        """The seed's calls as sessions (seeded.py), built once per account (never changed)."""
        found = self._seeded.get(account.id)
        if found is None:
            found = self._seeded[account.id] = seeded_sessions(account)
        return found

    def sessions(self, account: Account) -> list[dict[str, Any]]:
        """The calls in progress: the seed's (as steps left them) and those placed."""
        record = self._record(account)
        return [sessions.public(s) for s in in_progress(record, self.seeded(account))]

    def placed(self, account: Account) -> int:
        """How many calls were placed in the account since the last reset."""
        return self._record(account).get("counter", 0)

    def session(self, account: Account, session_id: str) -> dict[str, Any]:
        record = self._record(account)
        found = known(record, self.seeded(account), session_id)
        if found is None:
            raise ResourceNotFound("telephonySessionId")
        return sessions.public(found)

    def _record(self, account: Account) -> CallRecord:
        return sessions.call_record(self.store.get(NAMESPACE, str(account.id)))

    # -- steps ----------------------------------------------------------------------------------
    def call(
        self, account: Account, caller: str, callee: str, name: str | None = None
    ) -> dict[str, Any]:
        """An inbound call from an outside number (E.164, `+...`) to an extension, an internal
        call between two extensions, or an outbound call from an extension to a number: it
        rings (decision CALL-25: the caller's party rings too until the call is answered)."""
        outside_from, outside_to = caller.startswith("+"), callee.startswith("+")
        if outside_from and outside_to:
            raise InvalidParameter(
                "to",
                message="Parameter [to] value is invalid: one party "
                "of a call must be an extension.",
            )
        source = None if outside_from else self._user(account, caller, "from")
        target = None if outside_to else self._user(account, callee, "to")
        if source is not None and source is target:
            raise InvalidParameter(
                "to", message="Parameter [to] value is invalid: a user cannot call themself."
            )
        ids = [e.id for e in (source, target) if e is not None]
        now = self.clock.now()
        steps = magic.plan(caller, callee, now)

        def step(book: Book) -> None:
            if source is not None:
                rules.may_call(book, source)
            if target is not None:
                rules.may_ring(book, target, "to")
            kind = "internal" if source and target else "inbound" if source is None else "outbound"
            session = new_session(book, kind, self.seed)
            mine: tuple[str, str | None]
            theirs: tuple[str, str | None]
            if source is None:
                assert target is not None
                mine = (caller, name)
                theirs = (_e164(account, target), target.name)
            elif target is None:
                mine = (_e164(account, source), source.name)
                theirs = (callee, name)
            else:  # CALL-26: extension numbers and names between extensions
                mine, theirs = (source.number, source.name), (target.number, target.name)
            fields = {"from": mine[0], "fromName": mine[1], "to": theirs[0], "toName": theirs[1]}
            if steps:
                session["plan"] = steps
            for ext, direction, role in (
                (source, "Outbound", "caller"),
                (target, "Inbound", "callee"),
            ):
                add_party(
                    session,
                    ext=ext.id if ext else None,
                    direction=direction,
                    status="Ringing",
                    startTime=book.now,
                    role=role,
                    **fields,
                )
            book.result = session["id"]

        placed = self._run(account, ids, step)
        return self._placed(account, placed) if steps and steps[0]["at"] <= now else placed

    def queue_call(
        self, account: Account, queue_ref: str, caller: str, name: str | None = None
    ) -> dict[str, Any]:
        """A call from an outside number to a call queue: it rings every member who takes the
        queue's calls now (decisions CALL-31, CALL-4)."""
        queue = self.extension(account, queue_ref, "queueId")
        if queue.type is not ExtensionType.DEPARTMENT:
            raise ResourceNotFound("queueId")
        if not caller.startswith("+"):
            raise InvalidParameter("from")
        members = [account.by_id[m.extension_id] for m in queue.members]
        # A queue call is already at the queue: a caller's "transfer to a queue" does nothing.
        now = self.clock.now()
        steps = [s for s in magic.plan(caller, queue.number, now) if s["do"] != "to-queue"]

        def step(book: Book) -> None:
            flags = book.overrides.get(queue.id, {})
            rung = [
                m
                for m in queue.members
                if flags.get(str(m.extension_id), m.accept_calls)
                and rules.available(book, account.by_id[m.extension_id], queue=True)
            ]
            if not rung:
                raise CallStateConflict("queueId", "no member of the queue takes calls now")
            session = new_session(book, "queue", self.seed)
            session["queue"] = {"id": queue.id, "name": queue.name, "number": queue.number}
            session["caller"] = {"number": caller, "name": name}
            if steps:
                session["plan"] = steps
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

        placed = self._run(account, [queue.id, *(m.id for m in members)], step)
        return self._placed(account, placed) if steps and steps[0]["at"] <= now else placed

    def answer(self, account: Account, session_id: str, by: str | None = None) -> dict[str, Any]:
        """The ringing callee (or queue member `by`) answers: both sides are connected; the other
        members rung by a queue call stop ringing, their calls ended `final` (decision CALL-31)."""
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
        party reads OnHold (decision CALL-28)."""
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
        `final`, the location reads ParkedCall (decision CALL-29), the other side waits."""
        who = self._ref(account, by)
        spot = self._park_location(account, location)

        def step(book: Book) -> None:
            session = book.session(session_id)
            parker = rules.party(session, who, {"CallConnected", "OnHold"}, "park")
            caller = far_side(session, parker)
            book.end(parker)
            join(book, session, spot, "ParkedCall", "park", caller)

        return self._run(account, [spot.id], step, session_id)

    def pickup(self, account: Account, session_id: str, by: str) -> dict[str, Any]:
        """A user picks up a parked call: the location's call ends, theirs is connected."""
        user = self._user(account, by, "extensionId")

        def step(book: Book) -> None:
            session = book.session(session_id)
            parked = [p for p in live(session) if p["status"] == "ParkedCall"]
            if not parked:
                raise CallStateConflict("telephonySessionId", "the call is not parked")
            rules.may_call(book, user, "extensionId")
            caller = (parked[0]["from"], parked[0].get("fromName"))
            book.end(parked[0])
            join(book, session, user, "CallConnected", "callee", caller)

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
        next party number (decision CALL-30). Warm: the transferor has a connected consultation call
        with the target; both of the transferor's calls end, the consultation ends, and the
        target is connected to the other side (docs/decisions.md)."""
        who = self._ref(account, by)
        target = self._user(account, to, "to")

        def step(book: Book) -> None:
            session = book.session(session_id)
            mover = rules.party(session, who, {"CallConnected", "OnHold"}, "transfer")
            caller = far_side(session, mover)
            if target.id in {p["ext"] for p in live(session)}:
                raise CallStateConflict("to", "the target is already on this call")
            if warm:
                assert mover["ext"] is not None  # rules.party finds an extension's party
                consult = rules.consultation(book, mover["ext"], target.id, session_id)
                for party in live(consult):
                    book.end(party)
            else:
                rules.may_ring(book, target, "to")
            book.end(mover)
            join(book, session, target, "CallConnected" if warm else "Ringing", "callee", caller)

        return self._run(account, [target.id], step, session_id)

    def end(self, account: Account, session_id: str, by: str | None = None) -> dict[str, Any]:
        """Hang up: the party of `by`, or everyone; a call left with fewer than two parties on it
        ends for all (decision CALL-24: each ended call reads NoCall `final` once)."""
        who = self._ref(account, by)

        def step(book: Book) -> None:
            session = book.session(session_id)
            if who is not None:
                party = rules.party(session, who, sessions.LIVE, "end")
                book.end(party)
            if who is None or len(live(session)) < 2:
                for party in live(session):
                    book.end(party)

        return self._run(account, [], step, session_id)

    def meeting(self, account: Account, user_ref: str, start: bool) -> dict[str, Any]:
        """A user joins (meetingStatus Connected) or leaves (Disconnected) a meeting."""
        user = self._user(account, user_ref, "extensionId")

        def step(book: Book) -> None:
            status = book.meeting(user)
            if start and status == "Connected":
                raise CallStateConflict("extensionId", "the user is already in a meeting")
            if not start and status != "Connected":
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
        if not account.communication_handling:  # PRES-4, as PresenceService.update
            changes = {k: v for k, v in changes.items() if k in LEGACY_WRITABLE_FIELDS}
        if changes:
            self.store.merge_overrides(user.id, changes)  # type: ignore[arg-type]
            self.presence.changed([user.id])
        return {"extensionId": user.id, **changes}

    # -- magic numbers: the timed steps of their calls (magic.py; call_timer.py plays them) ----
    def due(self) -> int:
        """Play every plan step of a magic-number call that is due on the emulator's clock;
        how many were played."""
        now = self.clock.now()
        played = 0
        for account in self.directory.accounts:
            for session_id, session in list(self._record(account).get("sessions", {}).items()):
                steps = session.get("plan")
                if steps and steps[0]["at"] <= now:
                    played += self._play_plan(account, session_id, now)[0]
        return played

    def _placed(self, account: Account, placed: dict[str, Any]) -> dict[str, Any]:
        """A call just placed, after the plan steps due at once (a busy number's end)."""
        session_id = placed.get("telephonySessionId")
        if not isinstance(session_id, str):
            return placed
        played, after = self._play_plan(account, session_id, self.clock.now())
        return after if played else placed

    def _play_plan(
        self, account: Account, session_id: str, now: float
    ) -> tuple[int, dict[str, Any]]:
        """Play the session's due plan steps: how many, and the session as they left it."""
        queue_callers: list[Side] = []
        counted: list[int] = []

        def step(book: Book) -> None:
            session = book.session(session_id)
            steps = session.get("plan") or []
            due = [s for s in steps if s["at"] <= now]
            session["plan"] = [s for s in steps if s["at"] > now]
            for planned in due:
                _play(book, session, planned, queue_callers)
            if not session["plan"]:
                del session["plan"]
            counted[:] = [len(due)]

        try:
            after = self._run(account, [], step, session_id)
        except (ResourceNotFound, CallStateConflict):  # the call ended meanwhile
            return 0, {}
        for number, name in queue_callers:
            queue = next(
                (e for e in account.extensions if e.type is ExtensionType.DEPARTMENT), None
            )
            if queue is None:
                continue
            # No member takes calls now: the caller hears nothing more.
            with contextlib.suppress(CallStateConflict):
                self.queue_call(account, str(queue.id), number, name)
        return (counted[0] if counted else 0), after

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
        self.store.take(NAMESPACE, PLAYER_KEY)

    def player(self) -> dict[str, Any] | None:
        """Who plays the day and how far (player.py), None before its first step."""
        return self.store.get(NAMESPACE, PLAYER_KEY)

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
        seeded = self.seeded(account)
        if session_id is not None:  # its parties, as they stand now (checked again inside)
            snapshot = known(self._record(account), seeded, session_id)
            if snapshot is not None:
                locked |= set(sessions.extensions_of(snapshot))
        now = sessions.timestamp(self.clock.now())
        for _ in range(ATTEMPTS):
            holder: list[Book] = []

            def apply(
                record: dict[str, Any] | None,
                overrides: dict[int, dict[str, Any]],
                lock: frozenset[int] = frozenset(locked),
                holder: list[Book] = holder,
            ) -> Transaction:
                book = Book(
                    account,
                    copy.deepcopy(sessions.call_record(record)),
                    overrides,
                    lock,
                    now,
                    seeded=seeded,
                )
                step(book)
                holder[:] = [book]
                return written(book)

            try:
                self.store.transact(NAMESPACE, str(account.id), sorted(locked), apply)
            except Stale as stale:
                locked |= stale.needed
                continue
            book = holder[0]
            self.presence.changed(changed(book))
            return answer(book)
        raise RuntimeError("the call step kept finding new parties")  # pragma: no cover

    # -- rules ----------------------------------------------------------------------------------
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

    def _flip(
        self, account: Account, session_id: str, by: str | None, before: str, after: str
    ) -> dict[str, Any]:
        who = self._ref(account, by)
        action = "hold" if after == "OnHold" else "unhold"

        def step(book: Book) -> None:
            session = book.session(session_id)
            rules.party(session, who, {before}, action)["status"] = after

        return self._run(account, [], step, session_id)


def _e164(account: Account, ext: Extension) -> str:
    return ext.phone_number or account.main_number


def _play(book: Book, session: sessions.Session, planned: PlanStep, queue: list[Side]) -> None:
    """One plan step on the session (magic.py says what each means)."""
    ringing = [p for p in live(session) if p["status"] == "Ringing"]
    action = planned["do"]
    if action == "end":
        for party in live(session):
            book.end(party)
    elif not ringing:  # somebody answered or hung up first: the plan's step has nothing to do
        return
    elif action == "answer":
        callee = next((p for p in ringing if p["direction"] == "Inbound"), None)
        for party in ringing:
            if party is callee or party["direction"] == "Outbound":
                party["status"] = "CallConnected"
            else:
                book.end(party)
    elif action == "give-up":
        for party in live(session):
            book.end(party)
    elif action == "voicemail":
        for party in live(session):
            if party["ext"] is not None and party["direction"] == "Inbound":
                book.end(party)  # the called extension stops ringing: voicemail took the call
            else:
                party["status"] = "CallConnected"  # the caller talks to voicemail
        after = planned["at"] + magic.VOICEMAIL_SECONDS
        session["plan"] = [PlanStep(at=after, do="end"), *session.get("plan", [])]
    elif action == "to-queue":
        caller = next((p for p in live(session) if p["direction"] == "Outbound"), None)
        for party in live(session):
            book.end(party)
        if caller is not None and caller["ext"] is None:
            queue.append((caller["from"], caller.get("fromName")))
