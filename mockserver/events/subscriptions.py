"""Subscriptions of both transports, kept in the store (docs/contract.md#subscriptions).

`SubscriptionService` creates, lists, reads, updates, renews and deletes a caller's
subscriptions. WebHook ones come over REST (mockserver/web/subscription_api.py) and pass the
`Validation-Token` handshake first; WebSocket ones are created by the gateway for its socket
(`transport="WebSocket"`, `session_id=`). Lifetimes follow the emulator's clock; an expired
subscription is gone (404), and nothing is delivered to it (decision EVT-10).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from mockserver.directory.model import Directory
from mockserver.errors import (
    HttpsRequired,
    InvalidParameter,
    InvalidReminder,
    OtherAccountFilters,
    ResourceNotFound,
    SubscriptionLimit,
)
from mockserver.events import filters
from mockserver.events.filters import REMINDER, BadReminder, Filter, Refused
from mockserver.events.log import EventLog
from mockserver.platform.clock import Clock
from mockserver.platform.tokens import Caller
from mockserver.storage import Collections, Leases, Record
from mockserver.timestamps import iso_millis

COLLECTION = "subscriptions"
WEBHOOK, WEBSOCKET = "WebHook", "WebSocket"
ACTIVE, BLACKLISTED = "Active", "Blacklisted"
DEFAULT_EXPIRES_IN = 604_799  # docs/contract.md#subscription-lifetime
MAX_EXPIRES_IN = 315_360_000
WEBSOCKET_EXPIRES_IN = 86_399  # ignored on input, renewed while the session lives (WS-12)
LIMIT = 30  # per user and app (SUB-505; docs/contract.md#subscriptions-webhook)
# Bounds of one subscription's filters, on both transports (docs/decisions.md GW-3): the
# platform publishes no figure; beyond these a create or update is refused with CMN-101.
MAX_FILTERS = 1000
MAX_FILTER_LENGTH = 1024  # characters of one filter as given
PATH = "/restapi/v1.0/subscription"

# The handshake of a WebHook create: (address, validation token) -> raises a SUB error or not.
Handshake = Callable[[str, str], None]
# Whether a WebHook address may be used (events/addresses.py), without sending: raises SUB-521.
AddressCheck = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscription as the store keeps it."""

    id: str
    account_id: int  # the owner's
    extension_id: int
    client_id: str
    # the owner's role when created (what the owner may read: docs/contract.md#event-visibility)
    admin: bool
    permissions: frozenset[str]  # the app's
    transport: str
    event_filters: tuple[str, ...]  # resolved, as the reply writes them
    disabled: tuple[dict[str, str], ...]
    creation_time: float
    expires_in: int
    expiration_time: float
    start: int  # the log position when created: later changes only
    address: str | None = None
    token: str | None = field(default=None, repr=False)  # verificationToken, never echoed
    session_id: str | None = None  # the WebSocket session that holds it
    status: str = ACTIVE
    blacklisted_at: float | None = None
    blacklisted_reason: str | None = None

    # -- reading ----------------------------------------------------------------------------
    def filters(self) -> list[Filter]:
        """The served filters, parsed again from their resolved text (no `~` left)."""
        parsed = [_reparse(text, self.account_id, self.extension_id) for text in self.event_filters]
        return [f for f in parsed if isinstance(f, Filter)]

    def expired(self, now: float) -> bool:
        return now >= self.expiration_time

    def active(self, now: float) -> bool:
        return self.status == ACTIVE and not self.expired(now)

    def to_wire(self, base: str, now: float, relative: bool = False) -> dict[str, Any]:
        """SubscriptionInfo: `uri` absolute over REST, relative over the socket
        (docs/contract.md#websocket-frames)."""
        uri = f"{PATH}/{self.id}" if relative else f"{base}{PATH}/{self.id}"
        mode: dict[str, Any] = {"transportType": self.transport}
        if self.transport == WEBHOOK:
            mode.update(address=self.address, encryption=False)
        else:  # WebSocket: the recorded replies say `encryption: false` too (decision FID-20)
            mode["encryption"] = False
        body: dict[str, Any] = {
            "uri": uri,
            "id": self.id,
            "creationTime": iso_millis(self.creation_time),
            "status": self.status,
            "eventFilters": list(self.event_filters),
            "expirationTime": iso_millis(self.expiration_time),
            "expiresIn": max(0, round(self.expiration_time - now)),
            "deliveryMode": mode,
        }
        if self.disabled:
            body["disabledFilters"] = [dict(d) for d in self.disabled]
        if self.blacklisted_at is not None:
            body["blacklistedData"] = {
                "blacklistedAt": iso_millis(self.blacklisted_at),
                "reason": self.blacklisted_reason or "",
            }
        return body

    # -- the store's record ---------------------------------------------------------------------
    def to_record(self) -> Record:
        return {
            "id": self.id,
            "accountId": self.account_id,
            "extensionId": self.extension_id,
            "clientId": self.client_id,
            "admin": self.admin,
            "permissions": sorted(self.permissions),
            "transport": self.transport,
            "eventFilters": list(self.event_filters),
            "disabledFilters": [dict(d) for d in self.disabled],
            "creationTime": self.creation_time,
            "expiresIn": self.expires_in,
            "expirationTime": self.expiration_time,
            "start": self.start,
            "address": self.address,
            "token": self.token,
            "sessionId": self.session_id,
            "status": self.status,
            "blacklistedAt": self.blacklisted_at,
            "blacklistedReason": self.blacklisted_reason,
        }

    @classmethod
    def of(cls, record: Record) -> Subscription:
        return cls(
            id=record["id"],
            account_id=int(record["accountId"]),
            extension_id=int(record["extensionId"]),
            client_id=record["clientId"],
            admin=bool(record["admin"]),
            permissions=frozenset(record["permissions"]),
            transport=record["transport"],
            event_filters=tuple(record["eventFilters"]),
            disabled=tuple(record["disabledFilters"]),
            creation_time=float(record["creationTime"]),
            expires_in=int(record["expiresIn"]),
            expiration_time=float(record["expirationTime"]),
            start=int(record["start"]),
            address=record.get("address"),
            token=record.get("token"),
            session_id=record.get("sessionId"),
            status=record.get("status", ACTIVE),
            blacklisted_at=record.get("blacklistedAt"),
            blacklisted_reason=record.get("blacklistedReason"),
        )


def _reparse(text: str, account_id: int, extension_id: int) -> Filter | Refused:
    try:
        return filters.parse(text, account_id, extension_id, None)
    except BadReminder:  # checked when stored; never raised for a stored filter
        return Refused(text, "Unsupported", "")


@dataclass(frozen=True, slots=True)
class Request:
    """A create or update body, checked (CreateSubscriptionRequest / UpdateSubscriptionRequest)."""

    event_filters: list[str]
    expires_in: int | None
    transport: str | None = None
    address: str | None = None
    token: str | None = None


def parse_request(body: object, *, create: bool) -> Request:
    """CMN-101 naming the first field that breaks the spec's request schema (or the transport)."""
    if not isinstance(body, Mapping):
        raise InvalidParameter("eventFilters")
    given = body.get("eventFilters")
    if not isinstance(given, list) or not given:
        raise InvalidParameter("eventFilters")
    if not all(isinstance(f, str) and f for f in given):
        raise InvalidParameter("eventFilters")
    if len(given) > MAX_FILTERS or any(len(f) > MAX_FILTER_LENGTH for f in given):
        raise InvalidParameter(
            "eventFilters",
            message=f"Parameter [eventFilters] value is invalid. A subscription takes at most "
            f"{MAX_FILTERS} event filters of at most {MAX_FILTER_LENGTH} characters each.",
        )
    expires_in = body.get("expiresIn")
    if expires_in is not None and (
        not isinstance(expires_in, int)
        or isinstance(expires_in, bool)
        or not 1 <= expires_in <= MAX_EXPIRES_IN
    ):
        raise InvalidParameter("expiresIn")
    if not create:
        return Request(list(given), expires_in)
    mode = body.get("deliveryMode")
    if not isinstance(mode, Mapping):
        raise InvalidParameter("deliveryMode")
    transport = mode.get("transportType")
    if transport == "PubNub":
        # PubNub is retired (docs/contract.md#subscriptions); a 400 that says so (EVT-15).
        raise InvalidParameter(
            "deliveryMode.transportType",
            message="Parameter [deliveryMode.transportType] value is invalid. The PubNub "
            "delivery mode is retired: use WebHook or WebSocket.",
        )
    if transport not in (WEBHOOK, WEBSOCKET):
        raise InvalidParameter("deliveryMode.transportType")
    address, token = mode.get("address"), mode.get("verificationToken")
    if transport == WEBHOOK and (
        not isinstance(address, str) or not address.lower().startswith(("http://", "https://"))
    ):
        raise InvalidParameter("deliveryMode.address")
    if token is not None and not isinstance(token, str):
        raise InvalidParameter("deliveryMode.verificationToken")
    return Request(list(given), expires_in, transport, address, token)


class SubscriptionStore(Collections, Leases, Protocol):
    """What subscriptions use of the store: the collection, and the deliverers' leases."""


class SubscriptionService:
    def __init__(
        self,
        directory: Directory,
        store: SubscriptionStore,
        clock: Clock,
        log: EventLog,
        handshake: Handshake | None = None,
        https_only: bool = False,
        check_address: AddressCheck | None = None,
    ) -> None:
        self.directory = directory
        self.store = store
        self.clock = clock
        self.log = log
        self.handshake = handshake  # None: no handshake (a test's service)
        self.https_only = https_only
        self.check_address = check_address  # None: every address (a test's service)

    # -- create -------------------------------------------------------------------------------
    def create(
        self,
        caller: Caller,
        body: object,
        *,
        transport: str = WEBHOOK,
        session_id: str | None = None,
    ) -> Subscription:
        """A new subscription of the caller's: the body is checked, its filters resolved, the
        limit of 30 per user and app kept, and a WebHook's address shaken hands with."""
        request = parse_request(body, create=True)
        if request.transport != transport:
            raise InvalidParameter("deliveryMode.transportType")
        now = self.clock.now()
        if transport == WEBSOCKET:
            expires_in = WEBSOCKET_EXPIRES_IN
        else:
            expires_in = request.expires_in or DEFAULT_EXPIRES_IN
        served, disabled = self._filters(caller, request.event_filters, expires_in)
        if len(self.list(caller)) >= LIMIT:
            raise SubscriptionLimit()
        if transport == WEBHOOK:
            assert request.address is not None
            if self.https_only and not request.address.lower().startswith("https://"):
                raise HttpsRequired()
            self._check(request.address)
            if self.handshake is not None:
                self.handshake(request.address, secrets.token_urlsafe(24))
        subscription = Subscription(
            id=str(uuid.uuid4()),
            account_id=caller.account_id,
            extension_id=caller.extension_id,
            client_id=caller.client_id,
            admin=caller.admin,
            permissions=caller.permissions,
            transport=transport,
            event_filters=tuple(served),
            disabled=tuple(disabled),
            creation_time=now,
            expires_in=expires_in,
            expiration_time=now + expires_in,
            start=self.log.last(),
            address=request.address,
            token=request.token,
            session_id=session_id,
        )
        self._save(subscription)
        return subscription

    def _filters(
        self, caller: Caller, given: list[str], expires_in: int
    ) -> tuple[list[str], list[dict[str, str]]]:
        """The resolved filters served, and the refused ones with their reasons
        (docs/contract.md#event-filters)."""
        served: list[str] = []
        refused: list[Refused] = []
        for text in dict.fromkeys(given):
            try:
                found = filters.parse(text, caller.account_id, caller.extension_id, self.directory)
                if isinstance(found, Filter) and found.kind == REMINDER:
                    filters.check_reminder(found, expires_in)
            except BadReminder:
                raise InvalidReminder() from None
            if isinstance(found, Refused):
                refused.append(found)
            elif found.text not in served:
                served.append(found.text)
        if not served:
            if any(r.other_account for r in refused):
                raise OtherAccountFilters()
            raise InvalidParameter("eventFilters")
        return served, [r.to_wire() for r in refused]

    # -- reads --------------------------------------------------------------------------------
    def all(self) -> list[Subscription]:
        """Every subscription kept (expired ones included: the caller decides)."""
        return [Subscription.of(r) for r in self.store.members(COLLECTION).values()]

    def find(self, subscription_id: str) -> Subscription | None:
        found = self.store.member(COLLECTION, subscription_id)
        return Subscription.of(found) if found is not None else None

    def list(self, caller: Caller) -> list[Subscription]:
        """The caller's live subscriptions for this app, oldest first (both transports)."""
        now = self.clock.now()
        mine = [s for s in self.all() if self._owns(caller, s) and not s.expired(now)]
        return sorted(mine, key=lambda s: (s.creation_time, s.id))

    def get(self, caller: Caller, subscription_id: str) -> Subscription:
        found = self.find(subscription_id)
        if found is None or not self._owns(caller, found) or found.expired(self.clock.now()):
            raise ResourceNotFound("subscriptionId")
        return found

    @staticmethod
    def _owns(caller: Caller, subscription: Subscription) -> bool:
        return (
            subscription.client_id == caller.client_id
            and subscription.extension_id == caller.extension_id
        )

    # -- writes -------------------------------------------------------------------------------
    def update(self, caller: Caller, subscription_id: str, body: object | None) -> Subscription:
        """PUT: new filters and lifetime; an empty body renews (the spec's updateSubscription)."""
        found = self.get(caller, subscription_id)
        if body is None:
            return self.renew(caller, subscription_id)
        self._check(found.address)
        request = parse_request(body, create=False)
        expires_in = found.expires_in
        if found.transport == WEBHOOK and request.expires_in is not None:
            expires_in = request.expires_in
        served, disabled = self._filters(caller, request.event_filters, expires_in)
        now = self.clock.now()
        changed = replace(
            found,
            event_filters=tuple(served),
            disabled=tuple(disabled),
            expires_in=expires_in,
            expiration_time=now + expires_in,
        )
        self._save(changed)
        return changed

    def renew(self, caller: Caller, subscription_id: str) -> Subscription:
        """A new lifetime from now; a blacklisted one stays blacklisted
        (docs/contract.md#webhook-delivery)."""
        found = self.get(caller, subscription_id)
        self._check(found.address)
        renewed = replace(found, expiration_time=self.clock.now() + found.expires_in)
        self._save(renewed)
        return renewed

    def _check(self, address: str | None) -> None:
        """A WebHook address still allowed (the allow list may have changed since it was
        stored): SUB-521, the platform's error for an address it cannot reach, if not."""
        if address is not None and self.check_address is not None:
            self.check_address(address)

    def delete(self, caller: Caller, subscription_id: str) -> None:
        self.get(caller, subscription_id)
        self.remove(subscription_id)

    def remove(self, subscription_id: str) -> None:
        """Forget a subscription and its delivery state (any owner: the gateway's socket closed)."""
        self.store.drop_member(COLLECTION, subscription_id)
        self.store.drop_lease(lease_name(subscription_id))

    def blacklist(self, subscription_id: str, reason: str) -> Subscription | None:
        """No more deliveries; renew does not revive it (docs/contract.md#webhook-delivery)."""
        found = self.find(subscription_id)
        if found is None:
            return None
        done = replace(
            found,
            status=BLACKLISTED,
            blacklisted_at=self.clock.now(),
            blacklisted_reason=reason,
        )
        self._save(done)
        return done

    def clear(self) -> None:
        """Every subscription gone (a reset: decision EVT-3)."""
        for subscription in self.all():
            self.store.drop_lease(lease_name(subscription.id))
        self.store.clear_members(COLLECTION)

    def _save(self, subscription: Subscription) -> None:
        self.store.put_member(COLLECTION, subscription.id, subscription.to_record())


def lease_name(subscription_id: str) -> str:
    """The delivery lease of one subscription (delivery.py keeps its cursor there)."""
    return f"delivery:{subscription_id}"
