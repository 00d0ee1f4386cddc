"""The emulator's services, built once from settings: what every view and mode works with.

It builds and holds; it does not route, render or judge (that is the web layer's work). The Flask
app keeps one on `app.extensions["presence_mock"]`, and the in-process mode reaches it there.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.chaos import Chaos
from mockserver.config import Settings, with_credentials_secret
from mockserver.directory.builder import seeded_before
from mockserver.directory.model import Directory
from mockserver.directory.source import directory_for
from mockserver.events.addresses import AddressPolicy
from mockserver.events.hub import Events
from mockserver.platform.clock import Clock, first_served
from mockserver.platform.credentials import Keys, credential_jwt, keys_for, with_app_secrets
from mockserver.platform.janitor import Janitor
from mockserver.platform.ratelimit import RateLimiter
from mockserver.platform.tokens import TokenService
from mockserver.platform.wstokens import WsTokens
from mockserver.presence.calls import ActiveCallsService
from mockserver.presence.directory import DirectoryService
from mockserver.presence.queues import QueuePresenceService
from mockserver.presence.service import PresenceService
from mockserver.presence.unified import UnifiedPresenceService
from mockserver.storage import Store, store_from_url
from mockserver.storage.outage import Outage, is_outage
from mockserver.telephony.call_engine import CallEngine
from mockserver.validation.request_journal import Journal


@dataclass
class Emulator:
    settings: Settings
    directory: Directory
    store: Store
    clock: Clock
    tokens: TokenService
    presence: PresenceService
    journal: Journal
    limiter: RateLimiter
    directory_service: DirectoryService  # the account and extension endpoints over `directory`
    queues: QueuePresenceService
    unified: UnifiedPresenceService
    active_calls: ActiveCallsService  # listExtensionActiveCalls (`telephony` simulates calls)
    keys: Keys  # what the credentials of `credentials` are made from
    telephony: CallEngine  # simulated calls and meetings
    events: Events  # the event log, publisher, subscriptions, delivery journal (`delivered`)
    chaos: Chaos  # latency and fault rules
    ws_tokens: WsTokens  # WebSocket tokens (wstoken, the gateway's upgrade)
    outage: Outage  # whether the store can be reached now (503s while it cannot)

    @classmethod
    def build(
        cls,
        settings: Settings,
        directory: Directory,
        store: Store,
        journal: Journal | None = None,
        outage: Outage | None = None,
    ) -> Emulator:
        # The secret is settled here, once, so the tokens and the directory's app secrets agree.
        settings = with_credentials_secret(settings)
        keys = keys_for(settings.credentials_secret)
        directory = with_app_secrets(directory, keys)
        clock = Clock(store)
        directory = _seeded_calls_placed(directory, store, clock)
        janitor = Janitor(store)  # one per process: purges expired records now and then
        presence = PresenceService(directory, store)
        return cls(
            settings=settings,
            directory=directory,
            store=store,
            clock=clock,
            tokens=TokenService(directory, store, clock, janitor, keys),
            presence=presence,
            journal=journal or Journal(store),
            limiter=RateLimiter.from_settings(settings, store, clock, janitor),
            directory_service=DirectoryService(presence),
            queues=QueuePresenceService(presence),
            unified=UnifiedPresenceService(presence),
            active_calls=ActiveCallsService(presence),
            keys=keys,
            telephony=CallEngine(presence, store, clock, settings.seed),
            events=Events.build(
                presence,
                store,
                clock,
                settings.webhook_https_only,
                AddressPolicy.from_settings(settings),
            ),
            chaos=Chaos.from_settings(settings, store, clock),
            ws_tokens=WsTokens(store, clock, janitor),
            outage=outage or Outage(store.last_event_position),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Emulator:
        return cls.build(settings, directory_for(settings), store_from_url(settings.store))

    def credentials(self) -> dict[str, str]:
        """The demo app and the first account's administrator, as this emulator accepts them."""
        return login_of(self.directory, self.keys)

    def reset(self) -> None:
        """Presence back to the seed, an empty journal and the clock on real time; tokens stay
        (docs/decisions.md)."""
        self.telephony.stop_activity()  # first: the office's player stops before the reset
        self.store.reset()
        self.telephony.reset()
        self.journal.clear()
        self.clock.reset()
        self.events.reset()
        self.chaos.reset()


def _seeded_calls_placed(directory: Directory, store: Store, clock: Clock) -> Directory:
    """The seed's calls started shortly before the store's office was first served, not on the
    seed's reference day (decision CALL-81); as drawn while the store cannot be reached."""
    try:
        return seeded_before(directory, first_served(store, clock.now()))
    except Exception as error:
        if not is_outage(error):
            raise
        return directory


def login_of(directory: Directory, keys: Keys) -> dict[str, str]:
    """clientId, clientSecret and jwt of the first app and the first account's administrator."""
    app = directory.apps[0]
    return {
        "clientId": app.client_id,
        "clientSecret": app.client_secret,
        "jwt": credential_jwt(directory.accounts[0].administrator, keys),
    }
