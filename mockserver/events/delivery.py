"""The WebHook deliverer (docs/contract.md#webhook-delivery): every logged change, to every WebHook
subscription that gets it, exactly once, in order, from whichever process runs a deliverer.

Exactly once across workers and replicas comes from the store: a deliverer serves a subscription
only while it holds that subscription's lease (`Leases.lease`, atomic on every backend), and the
lease's state is the subscription's cursor (the last position dealt with), its retry schedule
and since when it has been failing. A deliverer that dies stops renewing its leases; after
LEASE_SECONDS another takes them over and goes on from the cursor (the one change it may have
POSTed without recording is then POSTed again: decision EVT-13).

What it costs (decision EVT-40): the deliverer is woken by the change itself (the event log's
`news`: the gateway's tail in this process, or the store's own wait), not by a timer; the timer
only brings retries, reminders and leases left by a dead deliverer. A lease it holds is kept in
memory and taken again in the store only once a third of it has gone by, and never while nothing
is new; the state is written once per pass that moved it past a delivery. A POST starts only
with two thirds of the lease left (taken again, the cursor written, when less is left), so a pass
that outlives a lease (a slow receiver, 50 changes of 3 s each) can no longer be taken over
under it and its changes POSTed a second time (decision EVT-41).

How it POSTs (decisions EVT-50, EVT-51): a pass serves every subscription that has work at once,
as coroutines on one event loop of the process (delivery_http.py), each subscription's changes
in order, MAX_POSTS POSTs in flight; the notifications of a change are built once for the
subscriptions alike. What blocks (a test's callable receiver, a broken send, a chaos latency
wait, a lease taken in the store) runs on THREADS threads of the deliverer. The lease states are
written at the end of each pass, as before; in `run`, the journal and the explanations of a pass
are written by a thread of their own while the next pass runs.

A failure (a non-2xx, an error, no answer in 3 s) is retried after 1, 2 and 4 s, then that
change is given up; once a subscription's deliveries have failed for 10 minutes of emulator time
it is blacklisted with the platform's words. Nothing is delivered to an expired or blacklisted
subscription. Reminder filters (`/subscription/~?threshold&interval`) are sent from here too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypedDict, TypeVar, cast

import urllib3

from mockserver.chaos import Chaos, Fault, Plan, Transport
from mockserver.directory.model import Directory
from mockserver.events.addresses import AddressRefused
from mockserver.events.delivery_http import LOOP, post
from mockserver.events.delivery_journal import entry_of
from mockserver.events.explain import Weigher
from mockserver.events.filters import REMINDER, Filter
from mockserver.events.hub import Events
from mockserver.events.log import LoggedChange
from mockserver.events.matching import Envelope, envelopes_for
from mockserver.events.subscriptions import WEBHOOK, Subscription, lease_name
from mockserver.events.webhooks import Answer, delivery, send_broken
from mockserver.platform.clock import Clock
from mockserver.storage import Record
from mockserver.storage.outage import Outage
from mockserver.timestamps import iso_millis

log = logging.getLogger("presence_mock")
LEASE_SECONDS = 30.0  # longer than one POST with its timeout (3 s)
RETRIES = (1.0, 2.0, 4.0)  # docs/contract.md#webhook-delivery
BLACKLIST_AFTER = 600.0  # emulator seconds of continuous failure
BATCH = 50  # changes one step takes of one subscription
THREADS = 8  # threads for what blocks: a test's callable receivers, broken sends, lease writes
MAX_POSTS = 16  # POSTs in flight at once, all subscriptions together (EVT-50)
IDLE_WAIT = 0.2  # seconds between looks at retries, reminders and leases when nothing is new
MAX_WEBHOOK_STALL = 20.0  # seconds a `stall` holds a delivery: below the lease (30 s)
R = TypeVar("R")
_REMINDER_NAMESPACE = uuid.UUID("0b6c3d7e-1f2a-4c5d-8e9f-a0b1c2d3e4f5")


class LeaseState(TypedDict, total=False):
    """The state of a subscription's delivery lease, as the store keeps it (JSON).

    A typed dict rather than a dataclass: a step changes it in place and writes it back as it
    stands, so the stored JSON stays the same byte for byte (keys present only while they
    apply, in the order they were set) and a lease written by an earlier build reads as is.
    """

    cursor: int  # the log position of the last change dealt with
    attempt: int  # tries of the change at the cursor so far (present while it is retried)
    retryAt: float  # wall-clock time of the next try (inf: blacklisted)
    failingSince: float  # emulator time of the first failure in a row
    remindAt: float  # emulator time of the next reminder


def lease_state(found: Record) -> LeaseState:
    """A lease's state as `Leases.lease` gives it back (the JSON is the state itself)."""
    return cast(LeaseState, found)


@dataclass
class Held:
    """A lease this deliverer holds, as it last took, read or wrote it."""

    state: LeaseState
    taken: float  # wall time it was last taken or kept in the store
    written: bool = True  # the store has `state` as it stands


class Deliverer:
    def __init__(
        self,
        events: Events,
        directory: Directory,
        clock: Clock,
        *,
        owner: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        wall: Callable[[], float] = time.time,
        chaos: Chaos | None = None,
        outage: Outage | None = None,
    ) -> None:
        self.events = events
        self.outage = outage or Outage(events.log.last)  # a store that is down: said once
        self.directory = directory  # what envelope_for reads (the owner's role now)
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.lease_seconds = lease_seconds
        self.wall = wall
        self.chaos = chaos  # fault rules of `webhookDelivery`
        # Every change's subscriptions weighed, for /_mock/events/explain (events/explain.py).
        self.weigher = Weigher(events, directory, f"{self.owner}:explain", wall, lease_seconds)
        self._pool: ThreadPoolExecutor | None = None
        self._later: Executor | None = None  # while `run` runs: its journal thread
        self._held: dict[str, Held] = {}  # leases held, by subscription ID
        self._refused: dict[str, float] = {}  # wall time another owner last held it
        self._serving: set[str] = set()  # served by a thread of this deliverer right now
        self._lock = threading.Lock()
        self._read: dict[int, list[LoggedChange]] = {}  # the log after a cursor, this pass
        self._reminder_filters: dict[tuple[Any, ...], list[Filter]] = {}
        self._work: list[Subscription] = []  # the subscriptions this pass serves
        self._envelopes: dict[int, dict[str, Envelope | None]] = {}  # by position, this pass
        # What this pass leaves to write once its POSTs are made: the journal, moved states.
        self._journal: list[Record] = []
        self._moved: list[tuple[str, Held]] = []

    # -- the loop -------------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set: a step, then a wait for the next change (or IDLE_WAIT)."""
        log.debug("presence-mock: WebHook deliverer %s started", self.owner)
        # The journal and the explanations of a pass are written by this thread while the next
        # pass runs, in order (EVT-51).
        self._later = later = ThreadPoolExecutor(1, thread_name_prefix="presence-webhook-journal")
        while not stop.is_set():
            try:
                seen = self.events.log.last()  # read before the step: what lands during it wakes
                self.step(seen)
                self.events.log.news(seen, IDLE_WAIT)
            except Exception as error:  # a store hiccup must not end deliveries for good
                self.outage.report(error, "presence-mock: WebHook delivery step failed")
                stop.wait(1.0)
        self._later = None
        later.shutdown(wait=True)
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def step(self, last: int | None = None) -> int:
        """One pass over the WebHook subscriptions this deliverer can lease that have something
        to do (`last`: the log's newest position, read now when not given); POSTs attempted.
        The pass's lease states are written before it returns; its journal and explanations
        too, unless `run` drives it (then its journal thread writes them, in order)."""
        now = self.clock.now()
        if last is None:
            last = self.events.log.last()
        kept = self.events.subscriptions.all()
        self._forget({s.id for s in kept})
        due = [s for s in kept if s.transport == WEBHOOK and s.active(now)]
        work = [s for s in due if self._has_work(s, last, now)]
        self._read, self._envelopes, self._work = {}, {}, work
        weigh: list[Subscription] | None = None
        try:
            attempts = LOOP.run(self._serve_all(work)) if work else 0
            # After the POSTs (they come first), with the subscriptions as they were then.
            weigh = kept
        finally:
            self._read, self._envelopes, self._work = {}, {}, []
            journal = self._write()
            later = self._later
            if later is None:
                self._finish(journal, weigh, last)
            else:
                later.submit(self._finish_reported, journal, weigh, last)
        return attempts

    def _finish(self, journal: list[Record], weigh: list[Subscription] | None, last: int) -> None:
        """What a pass leaves to write that no delivery depends on: its journal in one write,
        and the explanations of the changes up to `last` (when the pass did not fail)."""
        if journal:
            self.events.delivered.record_all(journal)
        if weigh is not None:
            self.weigher.step(weigh, last)

    def _finish_reported(
        self, journal: list[Record], weigh: list[Subscription] | None, last: int
    ) -> None:
        try:
            self._finish(journal, weigh, last)
        except Exception as error:  # as a failed step: said once, the next one goes on
            self.outage.report(error, "presence-mock: WebHook delivery step failed")

    async def _serve_all(self, work: list[Subscription]) -> int:
        """Every subscription's part of a pass at once, each in order (EVT-50): the POSTs of one
        change go out together, MAX_POSTS at a time. Every part ends before the pass does (a
        failed one included): none is left running beside the next pass's."""
        posting = asyncio.Semaphore(MAX_POSTS)
        served = await asyncio.gather(
            *(self._serve(s, posting) for s in work), return_exceptions=True
        )
        attempts, failed = 0, None
        for outcome in served:
            if isinstance(outcome, BaseException):
                failed = outcome
            else:
                attempts += outcome
        if failed is not None:
            raise failed
        return attempts

    async def _blocking(self, call: Callable[..., R], *args: Any) -> R:
        """`call(*args)` on one of the deliverer's threads (a test's callable receiver, a
        broken send, a lease taken in the store): the loop goes on with the other POSTs."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="presence-webhooks")
        return await asyncio.get_running_loop().run_in_executor(self._pool, call, *args)

    def _write(self) -> list[Record]:
        """Once the pass's POSTs are made: each moved state (a state not written is written
        before the lease is taken again, or by the next pass); the pass's journal, to write."""
        journal, moved = self._journal, self._moved
        self._journal, self._moved = [], []
        store = self.events.subscriptions.store
        for sid, held in moved:
            if held.written or self._held.get(sid) is not held:
                continue
            if store.update_lease(lease_name(sid), self.owner, cast(Record, held.state)):
                held.written = True
            else:
                self._lost(sid, self.wall())
        return journal

    def _forget(self, kept: set[str]) -> None:
        """Leases of subscriptions that are gone (deleted, a reset) are no longer held."""
        for sid in [sid for sid in self._held if sid not in kept]:
            del self._held[sid]
        for sid in [sid for sid in self._refused if sid not in kept]:
            del self._refused[sid]

    def _has_work(self, subscription: Subscription, last: int, now: float) -> bool:
        """Whether the subscription may have something to do, from what this deliverer knows
        without asking the store: a change past its cursor, a retry or a reminder due, a lease
        to try (not held: at first, and a third of a lease after another owner held it)."""
        held = self._held.get(subscription.id)
        if held is None:
            refused = self._refused.get(subscription.id)
            return refused is None or self.wall() - refused >= self.lease_seconds / 3
        state = held.state
        if "retryAt" in state:
            return self.wall() >= state["retryAt"]
        if int(state.get("cursor", subscription.start)) < last:
            return True
        reminders = self._reminders(subscription)
        if not reminders:
            return False
        left = subscription.expiration_time - now
        return left <= reminders[0].threshold and now >= float(state.get("remindAt", 0.0))

    # -- the lease ------------------------------------------------------------------------------
    def _take(self, subscription: Subscription) -> Held | None:
        """The subscription's lease, held with two thirds of it left at least: taken in the store
        when it is not held or a third of it has gone by (the state written first when it moved);
        None when another owner holds it."""
        sid, wall = subscription.id, self.wall()
        held = self._held.get(sid)
        if held is not None and wall - held.taken < self.lease_seconds / 3:
            return held
        store = self.events.subscriptions.store
        name = lease_name(sid)
        lapsed = held is None or wall - held.taken >= self.lease_seconds
        if held is not None and not held.written:
            if not store.update_lease(name, self.owner, cast(Record, held.state)):
                self._lost(sid, wall)  # another owner has it since
                return None
            held.written = True
        found = store.lease(name, self.owner, wall, self.lease_seconds)
        if found is None:
            self._lost(sid, wall)
            return None
        if held is None or lapsed:  # the store's word: another owner may have moved it
            held = Held(lease_state(found), wall)
            self._held[sid] = held
        held.taken = wall
        self._refused.pop(sid, None)
        return held

    async def _kept(self, subscription: Subscription) -> Held | None:
        """`_take`, in this thread while the lease held needs no store (the common case), else
        on a thread of the deliverer."""
        held = self._held.get(subscription.id)
        if held is not None and self.wall() - held.taken < self.lease_seconds / 3:
            return held
        return await self._blocking(self._take, subscription)

    def _lost(self, sid: str, wall: float) -> None:
        self._held.pop(sid, None)
        self._refused[sid] = wall

    def _changes_after(self, cursor: int) -> list[LoggedChange]:
        """The log after `cursor` (up to BATCH changes), read once a pass for every subscription
        at that cursor."""
        found = self._read.get(cursor)
        if found is None:
            found = self.events.log.after(cursor, BATCH)
            with self._lock:
                self._read[cursor] = found
        return found

    def _envelope(self, subscription: Subscription, change: LoggedChange) -> Envelope | None:
        """The subscription's notification of `change`, built once a pass for every subscription
        of the pass alike (matching.envelopes_for: one body, a copy with each one's IDs)."""
        built = self._envelopes.setdefault(change.position, {})
        if subscription.id not in built:  # the pass's first look at this change
            work = self._work if self._work else [subscription]
            found = envelopes_for(work, change, self)
            built.update({s.id: e for s, e in zip(work, found, strict=True)})
            if subscription.id not in built:  # not one of the pass's (never, but cheap)
                return envelopes_for([subscription], change, self)[0]
        return built[subscription.id]

    # -- one subscription -----------------------------------------------------------------------
    async def _serve(self, subscription: Subscription, posting: asyncio.Semaphore) -> int:
        sid = subscription.id
        with self._lock:
            if sid in self._serving:  # a pass of this deliverer serves it already
                return 0
            self._serving.add(sid)
        try:
            return await self._serve_held(subscription, posting)
        finally:
            with self._lock:
                self._serving.discard(sid)

    async def _serve_held(self, subscription: Subscription, posting: asyncio.Semaphore) -> int:
        held = await self._kept(subscription)
        if held is None:
            return 0  # another deliverer has it
        state = held.state
        if self.wall() < state.get("retryAt", 0.0):
            return 0
        journal: list[Record] = []
        attempts = 0

        async def kept() -> bool:  # right before each POST (after a chaos delay): EVT-41
            return await self._kept(subscription) is held

        try:
            cursor = int(state.get("cursor", subscription.start))
            for change in self._changes_after(cursor):
                envelope = self._envelope(subscription, change)
                if envelope is None:
                    state["cursor"] = change.position
                    held.written = False
                    continue
                async with posting:
                    delivered = await self._attempt(
                        subscription, change.position, envelope, state, journal, kept
                    )
                attempts += 1
                held.written = False
                if not delivered:
                    break
                state["cursor"] = change.position
            async with posting:
                reminded = await self._remind(subscription, state, journal, kept)
            if reminded:
                held.written = False
            attempts += reminded
        except _LeaseLost:
            pass  # the new owner goes on from the cursor in the store
        finally:
            with self._lock:
                self._journal.extend(journal)
                if attempts and not held.written:  # once per pass that POSTed (EVT-40)
                    self._moved.append((subscription.id, held))
        return attempts

    async def _attempt(
        self,
        subscription: Subscription,
        position: int,
        envelope: dict[str, Any],
        state: LeaseState,
        journal: list[Record],
        kept: Callable[[], Awaitable[bool]],
    ) -> bool:
        """POST one envelope; on failure schedule the retry (state) and say False, unless this
        was the last try: then the change is given up (True) or the subscription blacklisted.
        `kept`: whether the lease is still held, asked right before the POST (_LeaseLost if not)."""
        attempt = int(state.get("attempt", 0)) + 1
        chaos = self.chaos
        plan = chaos.transport_plan(Transport.WEBHOOK_DELIVERY) if chaos is not None else None
        if plan is not None and plan.delay:
            # This delivery (and the subscription's next) later; on a thread, as before EVT-50.
            await self._blocking(time.sleep, plan.delay)
        if not await kept():
            raise _LeaseLost()
        if plan is not None and plan.fault:
            answer, reason = await self._blocking(self._broken, subscription, envelope, plan)
        else:
            answer, reason = await self._post(subscription, envelope)
        now = self.clock.now()
        ok = reason is None
        fault = plan.fault if plan is not None else None
        journal.append(
            entry_of(
                WEBHOOK,
                envelope,
                time=now,
                position=position,
                address=subscription.address,
                status=answer.status if answer is not None else None,
                error=reason if answer is None else (None if ok else reason),
                attempt=attempt,
                fault=fault,
            )
        )
        if fault == Fault.EMPTY:  # dropped before sending: lost for good, never retried
            return True
        if ok:
            state.pop("attempt", None)
            state.pop("retryAt", None)
            state.pop("failingSince", None)
            return True
        failing_since = float(state.setdefault("failingSince", now))
        if now - failing_since >= BLACKLIST_AFTER:
            self.events.subscriptions.blacklist(subscription.id, reason or "")
            state["attempt"], state["retryAt"] = 0, float("inf")
            return False
        if attempt > len(RETRIES):  # given up: the next change gets its own tries
            state.pop("attempt", None)
            state.pop("retryAt", None)
            return True
        state["attempt"], state["retryAt"] = attempt, self.wall() + RETRIES[attempt - 1]
        return False

    def _broken(
        self, subscription: Subscription, envelope: dict[str, Any], plan: Plan
    ) -> tuple[Answer | None, str | None]:
        """A faulted attempt (docs/chaos.md): 503/500/429 fail it as if the receiver had
        answered so (nothing is sent); reset, truncate and stall send it broken."""
        assert subscription.address is not None and plan.fault is not None
        status = plan.fault.status
        if status is not None:
            reason = f"Webhook responses with code: [{status}], reason: [{_phrase(status)}]"
            return Answer(status), reason
        if plan.fault == Fault.EMPTY:
            return None, "dropped before sending (fault)"
        outgoing = delivery(subscription.address, envelope, subscription.token)
        if self.events.transport.has_receiver(subscription.address):  # a test's callable
            cause = "Read timed out" if plan.fault == Fault.STALL else "Connection reset"
            return None, f"I/O operation is failed. Details: [{cause}]"
        hold = min(plan.stall, MAX_WEBHOOK_STALL)
        return None, send_broken(outgoing, plan.fault, hold, self.events.transport.policy)

    async def _post(
        self, subscription: Subscription, envelope: dict[str, Any]
    ) -> tuple[Answer | None, str | None]:
        """The receiver's answer and, for a failure, the reason in the platform's words. Over the
        network as a coroutine (delivery_http.py); a test's callable receiver, or a transport
        whose `send` was replaced (a broken server of the tests does), on a thread through
        `send`."""
        assert subscription.address is not None
        outgoing = delivery(subscription.address, envelope, subscription.token)
        transport = self.events.transport
        try:
            if "send" in vars(transport) or transport.has_receiver(outgoing.address):
                answer = await self._blocking(transport.send, outgoing)
            else:
                answer = await post(transport.policy, outgoing)
        except AddressRefused as refused:  # not allowed (now): the allow list may have changed
            return None, f"I/O operation is failed. Details: [{refused}]"
        except (urllib3.exceptions.TimeoutError, TimeoutError):
            return None, "I/O operation is failed. Details: [Read timed out]"
        except ConnectionRefusedError:
            return None, "I/O operation is failed. Details: [Connection refused]"
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as error:
            return None, f"I/O operation is failed. Details: [{_cause(error)}]"
        if 200 <= answer.status < 300:
            return answer, None
        return (
            answer,
            f"Webhook responses with code: [{answer.status}], reason: [{_phrase(answer.status)}]",
        )

    # -- reminders ----------------------------------------------------------------------------
    def _reminders(self, subscription: Subscription) -> list[Filter]:
        """The subscription's reminder filters, parsed once for its filters' text (each pass
        asks for every subscription it looks at)."""
        key = (subscription.event_filters, subscription.account_id, subscription.extension_id)
        found = self._reminder_filters.get(key)
        if found is None:
            if len(self._reminder_filters) >= 4096:
                self._reminder_filters.clear()
            found = [f for f in subscription.filters() if f.kind == REMINDER]
            self._reminder_filters[key] = found
        return found

    async def _remind(
        self,
        subscription: Subscription,
        state: LeaseState,
        journal: list[Record],
        kept: Callable[[], Awaitable[bool]],
    ) -> int:
        """Reminder filters: from `threshold` seconds before expiry, every `interval` seconds."""
        reminders = self._reminders(subscription)
        if not reminders or "attempt" in state:
            return 0
        now = self.clock.now()
        found = reminders[0]
        left = subscription.expiration_time - now
        if left > found.threshold or now < float(state.get("remindAt", 0.0)):
            return 0
        envelope = reminder_envelope(subscription, found, now)
        if not await kept():
            raise _LeaseLost()
        answer, reason = await self._post(subscription, envelope)
        journal.append(
            entry_of(
                WEBHOOK,
                envelope,
                time=now,
                position=0,
                address=subscription.address,
                status=answer.status if answer is not None else None,
                error=reason,
            )
        )
        state["remindAt"] = now + found.interval
        return 1


class _LeaseLost(Exception):
    """Another owner holds the subscription's lease now: the pass ends without a POST more."""


def reminder_envelope(subscription: Subscription, found: Filter, now: float) -> dict[str, Any]:
    """The reminder event (decision EVT-9: its body is the subscription's lifetime,
    in SubscriptionInfo's words)."""
    owner = str(subscription.extension_id)
    return {
        "uuid": str(uuid.uuid5(_REMINDER_NAMESPACE, f"{subscription.id}:{now:.3f}")),
        "event": found.text,
        "timestamp": iso_millis(now),
        "subscriptionId": subscription.id,
        "ownerId": owner,
        "body": {
            "id": subscription.id,
            "expirationTime": iso_millis(subscription.expiration_time),
            "expiresIn": max(0, int(subscription.expiration_time - now)),
            "ownerId": owner,
        },
    }


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _cause(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    text = str(reason or error)
    if "refused" in text.lower():
        return "Connection refused"
    return text.split(":")[-1].strip() or type(error).__name__
