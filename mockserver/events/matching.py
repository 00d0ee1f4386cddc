"""What one subscription is sent of one logged change (docs/contract.md#event-filters).

`envelope_for` applies the subscription's filters, the precedence of the filters (one event per
change; detailed+SIP beats detailed beats basic; an extension's own filter beats the account's
at the same rank: EVT-4), the visibility of docs/contract.md#event-visibility (what the owner
could read with GET now: EVT-5), and builds the envelope of
docs/contract.md#notification-envelope. The WebHook deliverer and the WebSocket gateway both use it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mockserver.directory.model import Directory
from mockserver.events.bodies import body_for, offline_body
from mockserver.events.filters import ACCOUNT, PRESENCE, REMINDER, Filter
from mockserver.events.log import LoggedChange
from mockserver.events.subscriptions import Subscription
from mockserver.presence.visibility import visible
from mockserver.timestamps import iso_millis

READ_PERMISSION = "ReadPresence"
# uuid5 names: the same change delivered again (a retry) keeps its uuid, so a receiver can tell.
_NAMESPACE = uuid.UUID("6c0b7f52-3f0e-4b8e-9a51-0f6a2b7b1d13")
Envelope = dict[str, Any]


class Services(Protocol):
    """What matching reads of the emulator (the Emulator has it)."""

    directory: Directory


def chosen_filter(subscription: Subscription, change: LoggedChange) -> Filter | None:
    """The one filter of the subscription this change fires, or None (decision EVT-4)."""
    best: Filter | None = None
    for found in subscription.filters():
        if found.kind == PRESENCE and found.extension_id != change.extension_id:
            continue
        if found.kind == ACCOUNT and found.account_id != change.account_id:
            continue
        if found.kind == REMINDER:
            continue
        if best is None or (found.rank, found.kind == PRESENCE) > (
            best.rank,
            best.kind == PRESENCE,
        ):
            best = found
    return best


def envelope_for(
    subscription: Subscription, change: LoggedChange, services: Services | None = None
) -> Envelope | None:
    """The notification this subscription gets of `change`, or None when it gets none."""
    return weigh(subscription, change, services).envelope


def sharing(subscription: Subscription) -> Hashable:
    """What a subscription's notification of a change depends on but its own ID: subscriptions
    alike in it get the same `event`, `timestamp`, `ownerId` and `body` (decision WS-40)."""
    return (
        subscription.account_id,
        subscription.extension_id,
        subscription.event_filters,
        READ_PERMISSION in subscription.permissions,
        subscription.admin,
    )


def envelopes_for(
    subscriptions: Sequence[Subscription], change: LoggedChange, services: Services | None = None
) -> list[Envelope | None]:
    """`envelope_for` of each subscription, built once for those alike (`sharing`): the others
    get a copy with their own `uuid` and `subscriptionId`, sharing the body (never changed once
    built). 1,000 sockets of 34 users subscribed to one user build 34 bodies, not 1,000."""
    built: dict[Hashable, Envelope | None] = {}
    out: list[Envelope | None] = []
    for subscription in subscriptions:
        key = sharing(subscription)
        if key not in built:
            built[key] = envelope_for(subscription, change, services)
        found = built[key]
        if found is not None and found["subscriptionId"] != subscription.id:
            found = {
                "uuid": _uuid_of(subscription, change),
                "event": found["event"],
                "timestamp": found["timestamp"],
                "subscriptionId": subscription.id,
                "ownerId": found["ownerId"],
                "body": found["body"],
            }
        out.append(found)
    return out


def _uuid_of(subscription: Subscription, change: LoggedChange) -> str:
    """`str(uuid.uuid5(_NAMESPACE, name))`, written without building a `UUID` (one per
    subscription and change: 1,000 sockets, 1,000 of them)."""
    h = hashlib.sha1(_NAMESPACE_BYTES + f"{subscription.id}:{change.position}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


_NAMESPACE_BYTES = _NAMESPACE.bytes
_VARIANT = "89ab"  # RFC 4122: the variant's top two bits are 10


@dataclass(frozen=True, slots=True)
class Weighed:
    """What one subscription gets of one change, and why (events/explain.py reads the why)."""

    envelope: Envelope | None
    reason: str  # MATCHED, or why nothing is sent (OTHER_ACCOUNT, NO_PERMISSION, ...)
    found: Filter | None = None  # the filter the change fires
    hidden: bool = False  # the body is the Offline one: the user just went out of sight


MATCHED, OTHER_ACCOUNT, NO_PERMISSION, NO_FILTER, HIDDEN = (
    "matched",
    "otherAccount",
    "missingPermission",
    "filterDidNotMatch",
    "hiddenUser",
)


def weigh(
    subscription: Subscription,
    change: LoggedChange,
    services: Services | None = None,
    build: bool = True,
) -> Weighed:
    """`envelope_for` with its reason: the one place a subscription is matched with a change.
    `build=False`: the reason only, no envelope (what the explanation needs)."""
    if change.account_id != subscription.account_id:
        return Weighed(None, OTHER_ACCOUNT)
    if READ_PERMISSION not in subscription.permissions:
        return Weighed(None, NO_PERMISSION)  # the owner's GET would be refused
    found = chosen_filter(subscription, change)
    if found is None:
        return Weighed(None, NO_FILTER)
    owner = subscription.extension_id
    if _visible(subscription, change, change.body, services):
        hidden = False
    elif _visible(subscription, change, change.previous, services):
        hidden = True  # it just went out of sight: Offline, once
    else:
        # out of sight before and after: nothing the owner could see changed
        return Weighed(None, HIDDEN, found)
    if not build:
        return Weighed(None, MATCHED, found, hidden)
    body = offline_body(change.body, owner) if hidden else body_for(found, change.body, owner)
    envelope = {
        "uuid": _uuid_of(subscription, change),
        "event": event_of(found, change),
        "timestamp": iso_millis(change.time),
        "subscriptionId": subscription.id,
        "ownerId": str(owner),
        "body": body,
    }
    return Weighed(envelope, MATCHED, found, hidden)


def event_of(found: Filter, change: LoggedChange) -> str:
    """The filter with IDs resolved and its query kept; for the account filter, the
    changed extension's presence path (as in the docs' sample), with the filter's query."""
    if found.kind != ACCOUNT:
        return found.text
    query = found.text.partition("?")[2]
    path = f"/restapi/v1.0/account/{change.account_id}/extension/{change.extension_id}/presence"
    return f"{path}?{query}" if query else path


def _visible(
    subscription: Subscription,
    change: LoggedChange,
    state: dict[str, Any],
    services: Services | None,
) -> bool:
    """Whether the owner sees `state` as a presence read would (presence/visibility.py)."""
    own = subscription.extension_id == change.extension_id
    return visible(state, own=own, admin=_admin(subscription, services))


def _admin(subscription: Subscription, services: Services | None) -> bool:
    if services is None:
        return subscription.admin
    owner = services.directory.extension(subscription.extension_id)
    return owner is not None and owner.admin
