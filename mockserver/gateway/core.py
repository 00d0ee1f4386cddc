"""What the gateway uses of the emulator and of the events core: the event log
it follows, `envelope_for`, `SubscriptionService` for the subscriptions made over the socket, the
journal of delivered events, WebSocket tokens and the clock. Blocking calls all: the gateway
runs them off its event loop.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterable
from typing import Any

from mockserver.chaos import Plan, Transport
from mockserver.emulator import Emulator
from mockserver.errors import TokenNotFound
from mockserver.events.delivery_journal import DeliveryJournal, entry_of
from mockserver.events.explain_journal import ExplainJournal, outcome_entry
from mockserver.events.log import EventLog, LoggedChange
from mockserver.events.matching import Envelope, envelope_for, envelopes_for
from mockserver.events.subscriptions import WEBSOCKET, Subscription, SubscriptionService
from mockserver.gateway.recovery import Recoveries
from mockserver.gateway.socket_sessions import Notice
from mockserver.http import DescribedRequest
from mockserver.platform.tokens import SESSION, Caller
from mockserver.platform.wstokens import WsGrant

log = logging.getLogger("presence_mock")
# A WebSocket subscription lives 86399 s and is renewed while its session lives (WS-12):
# renewed once less than this much of it is left.
RENEW_BELOW = 43_200.0

Delivered = tuple[str, Notice]  # the session's token, what it was sent
# A matched notification that did not go out: (subscription, log position, reason, detail,
# the fault when a chaos rule broke the socket) (docs/explain.md).
Undelivered = tuple[str, int, str, str, str | None]


class Core:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        events = emulator.events
        self.log: EventLog = events.log
        self.subscriptions: SubscriptionService = events.subscriptions
        self.delivered: DeliveryJournal = events.delivered
        # Redis blocks in XREAD until an entry comes; SQLite's wait polls every 20 ms, so the
        # gateway polls the log itself, more often (one indexed SELECT each: tail.py).
        self.log_blocks = emulator.settings.store.startswith(("redis:", "rediss:"))
        # The journal is written by a thread of its own: a store write per notification must
        # not hold up the next batch of events (tail.py) or the sockets.
        self._journal: queue.SimpleQueue[list[Delivered] | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_journal, name="ws-journal", daemon=True)
        self._writer.start()
        # Why matched notifications did not go out (docs/explain.md), written off the loop too.
        self.explained: ExplainJournal = events.explained
        self._undelivered: queue.SimpleQueue[list[Undelivered] | None] = queue.SimpleQueue()
        self._explainer = threading.Thread(
            target=self._write_undelivered, name="ws-explain", daemon=True
        )
        self._explainer.start()
        # Sessions in the store, for a restarted gateway or another replica (WS-18, WS-19).
        self.recoveries = Recoveries(emulator.store, self.log, self.subscriptions, emulator)

    def now(self) -> float:
        return self.emulator.clock.now()

    def resolve(self, token: str) -> WsGrant:
        return self.emulator.ws_tokens.resolve(token)

    def ended(self, oauth_sessions: Iterable[str]) -> set[str]:
        """Those of these OAuth sessions that have ended (revoked, or gone from the store):
        one round trip to the store."""
        ids = sorted(set(oauth_sessions))
        found = self.emulator.store.get_many([(SESSION, i) for i in ids])
        return {i for i, record in zip(ids, found, strict=True) if record is None}

    def caller(self, grant: WsGrant) -> Caller:
        return self._caller(grant.extension_id, grant.client_id)

    def _caller(self, extension_id: int, client_id: str) -> Caller:
        directory = self.emulator.directory
        owner = directory.extension(extension_id)
        app = directory.app(client_id)
        if owner is None or app is None:
            raise TokenNotFound()
        return Caller(
            owner.account_id, owner.id, app.client_id, owner.admin, app.permissions, self.now()
        )

    # -- subscriptions over the socket (docs/contract.md#websocket-frames) ---------------------
    def create(
        self, caller: Caller, body: object, session: str
    ) -> tuple[Subscription, dict[str, Any]]:
        found = self.subscriptions.create(caller, body, transport=WEBSOCKET, session_id=session)
        return found, self._wire(found)

    def update(
        self, caller: Caller, subscription_id: str, body: object
    ) -> tuple[Subscription, dict[str, Any]]:
        found = self.subscriptions.update(caller, subscription_id, body)
        return found, self._wire(found)

    def delete(self, caller: Caller, subscription_id: str) -> None:
        self.subscriptions.delete(caller, subscription_id)

    def forget(self, subscription: Subscription) -> None:
        """The session that held it is gone for good (or replaced it)."""
        self.subscriptions.remove(subscription.id)

    def maintain(
        self, subscriptions: Iterable[Subscription], now: float
    ) -> tuple[list[Subscription], set[str]]:
        """Renew those of live (or recoverable) sessions that are getting old (WS-12); and
        name those no longer in the store (a reset), which get nothing more."""
        held = list(subscriptions)
        kept = {s.id for s in self.subscriptions.all()}
        renewed = []
        for subscription in held:
            if subscription.id in kept and subscription.expiration_time - now < RENEW_BELOW:
                caller = self._caller(subscription.extension_id, subscription.client_id)
                renewed.append(self.subscriptions.renew(caller, subscription.id))
        return renewed, {s.id for s in held} - kept

    def _wire(self, subscription: Subscription) -> dict[str, Any]:
        # As of the moment it was made or renewed: a reply says expiresIn 86399 (WS-12).
        made = subscription.expiration_time - subscription.expires_in
        return subscription.to_wire("", made, relative=True)

    # -- events -------------------------------------------------------------------------------
    def envelope(self, subscription: Subscription, change: LoggedChange) -> dict[str, Any] | None:
        return envelope_for(subscription, change, self.emulator)

    def envelopes(
        self, subscriptions: list[Subscription], change: LoggedChange
    ) -> list[Envelope | None]:
        """`envelope` of each, built once for subscriptions alike (events/matching.py)."""
        return envelopes_for(subscriptions, change, self.emulator)

    def journal_request(
        self, method: str, path: str, body: object, status: int, error_code: str | None
    ) -> None:
        """A request over the socket goes to the request journal as a REST
        one would (with `transport: WebSocket`), so coverage counts its operation and filters."""
        sent = b"" if body is None else json.dumps(body).encode()
        request = DescribedRequest.build(method, path, "", sent)
        self.emulator.journal.record(request, [], status, error_code, transport=WEBSOCKET)

    def plan(self) -> Plan | None:
        """What one notification of a session gets of the `webSocketSession` rules."""
        return self.emulator.chaos.transport_plan(Transport.WEBSOCKET_SESSION)

    def journal(self, delivered: list[Delivered]) -> None:
        self._journal.put(delivered)

    def _write_journal(self) -> None:
        while (batch := self._journal.get()) is not None:
            while not self._journal.empty():  # what queued meanwhile goes in the same write
                more = self._journal.get()
                if more is None:
                    self._journal.put(None)
                    break
                batch = batch + more
            try:
                now = self.now()
                self.delivered.record_all(
                    [
                        entry_of(
                            WEBSOCKET,
                            notice.envelope,
                            time=now,
                            position=notice.position,
                            session_id=session,
                        )
                        for session, notice in batch
                    ]
                )
            except Exception as error:  # a store that is down is said once (Outage)
                what = "gateway: writing the journal of delivered events failed"
                self.emulator.outage.report(error, what)

    def undelivered(self, found: list[Undelivered]) -> None:
        if found:
            self._undelivered.put(found)

    def _write_undelivered(self) -> None:
        while (batch := self._undelivered.get()) is not None:
            try:
                now = self.now()
                entries = []
                for sid, position, reason, detail, fault in batch:
                    more = {"fault": fault} if fault is not None else {}
                    entries.append(outcome_entry(sid, position, reason, detail, now, **more))
                self.explained.record(entries)
            except Exception as error:  # a store that is down is said once (Outage)
                what = "gateway: writing why notifications did not go out failed"
                self.emulator.outage.report(error, what)

    def close(self) -> None:
        self._journal.put(None)
        self._undelivered.put(None)
        self._writer.join(timeout=5)
        self._explainer.join(timeout=5)
