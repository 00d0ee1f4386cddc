"""`Events`: the events services of one emulator, built together (the Emulator's `events`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mockserver.events.addresses import AddressPolicy
from mockserver.events.delivery_journal import DeliveryJournal
from mockserver.events.explain_journal import ExplainJournal
from mockserver.events.log import EventLog
from mockserver.events.publisher import Publisher
from mockserver.events.subscriptions import SubscriptionService
from mockserver.events.webhooks import Transport
from mockserver.platform.clock import Clock
from mockserver.presence.service import PresenceService
from mockserver.storage import Collections, Entries, EventStream, Leases


class EventsStore(EventStream, Collections, Leases, Entries, Protocol):
    """What the events hub hands its parts: the event log, subscriptions and their leases,
    the delivery journal."""


@dataclass
class Events:
    log: EventLog
    publisher: Publisher
    subscriptions: SubscriptionService
    delivered: DeliveryJournal  # what was delivered (the request journal is Emulator.journal)
    transport: Transport  # WebHook POSTs: HTTP, or a test's callable receivers
    explained: ExplainJournal  # every subscription weighed per change, and why (explain.md)

    @classmethod
    def build(
        cls,
        presence: PresenceService,
        store: EventsStore,
        clock: Clock,
        https_only: bool = False,
        policy: AddressPolicy | None = None,
    ) -> Events:
        log = EventLog(store)
        explained = ExplainJournal(store)
        publisher = Publisher(presence, log, clock, explained)
        presence.listen(publisher)
        transport = Transport(policy=policy)
        subscriptions = SubscriptionService(
            presence.directory,
            store,
            clock,
            log,
            transport.handshake,
            https_only,
            transport.check,
        )
        return cls(log, publisher, subscriptions, DeliveryJournal(store), transport, explained)

    def reset(self) -> None:
        """After the presence reset: publish what the reset changed, then no subscriptions and
        empty journals (decisions EVT-2, EVT-3)."""
        self.publisher.publish(self.log.store.published_extensions())
        self.subscriptions.clear()
        self.delivered.clear()
        self.explained.clear()
        self.publisher.forget_said()
