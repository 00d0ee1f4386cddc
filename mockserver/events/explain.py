"""Explained deliveries (docs/explain.md): why a subscription got a change, or did not.

Two halves:

- `Weigher` follows the event log and writes, for each logged change, every subscription of the
  change's account it weighed with its verdict (events/explain_journal.py). It runs in the
  WebHook deliverer's steps (events/delivery.py), so wherever the emulator delivers WebHooks it
  weighs too, and once across workers and replicas: it holds a lease of its own in the store,
  whose state is its cursor, as a deliverer does a subscription's.
- `explain` reads it back for one extension (or one subscription): the last changes, newest
  first, and what each subscription got, joining the delivery journal (what was delivered, what
  a receiver answered, which chaos rule broke an attempt) and the gateway's outcomes (a closed
  socket, a client that does not read). Changes the weigher has not reached yet are judged as
  the read comes, against the subscriptions as they are then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from mockserver.directory.model import Directory
from mockserver.events import explain_journal as j
from mockserver.events.filters import PRESENCE, REMINDER, Filter
from mockserver.events.hub import Events
from mockserver.events.log import LoggedChange
from mockserver.events.matching import (
    HIDDEN,
    NO_FILTER,
    NO_PERMISSION,
    OTHER_ACCOUNT,
    chosen_filter,
    weigh,
)
from mockserver.events.subscriptions import ACTIVE, BLACKLISTED, WEBHOOK, Subscription
from mockserver.redaction import mask_address
from mockserver.storage import Record
from mockserver.timestamps import iso_millis

LEASE = "explain:weigher"
LEASE_SECONDS = 30.0
BATCH = 200  # changes one step weighs
LOOKBACK = 200  # changes a read judges itself, past what the weigher wrote
DEFAULT_LIMIT = 20  # changes a read shows
MAX_LIMIT = 200


class Services(Protocol):
    directory: Directory


# -- one verdict ------------------------------------------------------------------------------
def verdict(
    subscription: Subscription, change: LoggedChange, services: Services | None
) -> Record | None:
    """One subscription's verdict on one logged change (a `weighed` entry), or None when it was
    not weighed at all: another account's, or made after the change."""
    if subscription.account_id != change.account_id or subscription.start >= change.position:
        return None
    entry: Record = {
        "kind": "weighed",
        "position": change.position,
        "extensionId": str(change.extension_id),
        "subscriptionId": subscription.id,
        "transport": subscription.transport,
        "ownerId": str(subscription.extension_id),
        "time": change.time,
    }
    if subscription.address is not None:
        entry["address"] = mask_address(subscription.address)
    if subscription.status == BLACKLISTED and (subscription.blacklisted_at or 0.0) <= change.time:
        why = subscription.blacklisted_reason or ""
        return {**entry, "reason": j.BLACKLISTED, "detail": f"blacklisted: {why}".strip()}
    if subscription.status != ACTIVE and subscription.status != BLACKLISTED:
        return {
            **entry,
            "reason": j.SUSPENDED,
            "detail": f"the subscription's status is {subscription.status}",
        }
    if change.time >= subscription.expiration_time:
        when = iso_millis(subscription.expiration_time)
        return {**entry, "reason": j.EXPIRED, "detail": f"it expired at {when}"}
    weighed = weigh(subscription, change, services, build=False)
    if weighed.reason == OTHER_ACCOUNT:
        return None
    if weighed.reason == NO_PERMISSION:
        return {
            **entry,
            "reason": j.NO_PERMISSION,
            "detail": "the subscribing app lacks the ReadPresence permission",
        }
    if weighed.reason == NO_FILTER:
        nearest = nearest_filter(subscription, change.extension_id)
        return {
            **entry,
            "reason": j.NO_FILTER,
            "nearestFilter": nearest,
            "detail": f"no filter covers extension {change.extension_id}"
            + (f"; the nearest is {nearest}" if nearest else ""),
        }
    assert weighed.found is not None
    entry["filter"] = weighed.found.text
    if weighed.reason == HIDDEN:
        return {
            **entry,
            "reason": j.HIDDEN,
            "detail": "the user hides their presence (allowSeeMyPresence false) from the "
            "subscription's owner, who is neither the user nor an administrator",
        }
    if weighed.hidden:
        entry["detail"] = "the user just hid their presence: the body says Offline"
    return {**entry, "reason": j.MATCHED}


def nearest_filter(subscription: Subscription, extension_id: int) -> str | None:
    """The subscription's filter that comes nearest to covering `extension_id`: an extension's
    presence filter before any other, the one with the closest ID."""
    served = [f for f in subscription.filters() if f.kind != REMINDER]
    if not served:
        reminders = subscription.filters()
        return reminders[0].text if reminders else None

    def distance(found: Filter) -> tuple[int, int]:
        return (found.kind != PRESENCE, abs(found.extension_id - extension_id))

    return min(served, key=distance).text


# -- the weigher ------------------------------------------------------------------------------
class Weigher:
    """Writes the verdicts of every logged change, once across processes (the lease)."""

    def __init__(
        self,
        events: Events,
        directory: Directory,
        owner: str,
        wall: Callable[[], float] = time.time,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.events = events
        self.directory = directory
        self.owner = owner
        self.wall = wall
        self.lease_seconds = lease_seconds
        self._seen = -1  # the last position this weigher knows was weighed
        self._refused = float("-inf")  # wall time another process last held the lease

    def step(self, subscriptions: list[Subscription] | None = None, last: int | None = None) -> int:
        """Weigh what the log has past the cursor (up to BATCH changes); how many. `last`: the
        log's newest position when the caller has just read it. Nothing new costs nothing but
        that read (no lease, no write)."""
        log = self.events.log
        if last is None:
            last = log.last()
        if last <= self._seen:
            return 0
        wall = self.wall()
        if wall - self._refused < self.lease_seconds / 3:
            return 0  # another process weighs: asked again a third of a lease later
        store = self.events.subscriptions.store
        found = store.lease(LEASE, self.owner, wall, self.lease_seconds)
        if found is None:
            self._refused = wall
            return 0  # another process weighs
        cursor = int(found.get("cursor", max(0, last - BATCH)))
        changes = log.after(cursor, BATCH)
        if changes:
            if subscriptions is None:
                subscriptions = self.events.subscriptions.all()
            self.events.explained.record(weighed_entries(changes, subscriptions, self))
            cursor = changes[-1].position
        store.update_lease(LEASE, self.owner, {"cursor": cursor})
        self._seen = cursor
        return len(changes)


def weighed_entries(
    changes: Iterable[LoggedChange], subscriptions: list[Subscription], services: Services
) -> list[Record]:
    entries: list[Record] = []
    for change in changes:
        entries.append(j.change_entry(change))
        for subscription in subscriptions:
            found = verdict(subscription, change, services)
            if found is not None:
                entries.append(found)
    return entries


# -- the read side ----------------------------------------------------------------------------
class Explainer:
    """What `/_mock/events/explain`, `listen --explain`, the board and `PresenceMock.explain`
    read."""

    def __init__(self, events: Events, directory: Directory) -> None:
        self.events = events
        self.directory = directory

    def explain(
        self,
        extension_id: int | None = None,
        subscription_id: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        """The last `limit` changes considered of the extension (or weighed for the
        subscription), newest first, each with what every subscription weighed got."""
        events = self.events
        entries = events.explained.entries()
        subscriptions = events.subscriptions.all()
        changes: dict[tuple[int, int], Record] = {}  # (position, 0 logged / 1 unchanged)
        outcomes: dict[tuple[str, int], Record] = {}
        weighed_upto = 0
        wanted = str(extension_id) if extension_id is not None else None
        for entry in entries:
            kind = entry.get("kind")
            if kind == "change":
                weighed_upto = max(weighed_upto, int(entry["position"]))
                if wanted is None or entry["extensionId"] == wanted:
                    changes[(int(entry["position"]), 0)] = _change(entry, "logged")
            elif kind == "weighed":
                if subscription_id is not None and entry["subscriptionId"] != subscription_id:
                    continue
                found = changes.get((int(entry["position"]), 0))
                if found is not None:
                    found["subscriptions"].append(_row(entry))
            elif wanted is not None and entry.get("extensionId") not in (None, wanted):
                continue  # another extension's (an outcome names none)
            elif kind == "unchanged":
                considered = _change(entry, "unchanged")
                considered["subscriptions"] = self._unchanged_rows(entry, subscriptions)
                changes[(int(entry["position"]), 1 + len(changes))] = considered
            elif kind == "outcome":
                outcomes[(str(entry["subscriptionId"]), int(entry["position"]))] = entry
        last = events.log.last()
        for logged in events.log.after(max(weighed_upto, last - LOOKBACK), LOOKBACK):
            judged = _change(j.change_entry(logged), "logged")
            rows = weighed_entries([logged], subscriptions, self)[1:]
            judged["subscriptions"] = [_row(r) for r in rows]
            changes[(logged.position, 0)] = judged
        deliveries = _deliveries(events.delivered.entries())
        shown: list[Record] = []
        for key in sorted(changes, reverse=True):
            change = changes[key]
            if extension_id is not None and change["extensionId"] != str(extension_id):
                continue
            rows = change["subscriptions"]
            if subscription_id is not None:
                rows = [r for r in rows if r["subscriptionId"] == subscription_id]
                if not rows:
                    continue
            change["subscriptions"] = [_resolve(r, change, deliveries, outcomes) for r in rows]
            shown.append(change)
            if len(shown) >= limit:
                break
        return {"changes": shown, "keep": events.explained.keep}

    def _unchanged_rows(self, entry: Record, subscriptions: list[Subscription]) -> list[Record]:
        """The subscriptions (as they are now) whose filters cover the extension: none of them
        got anything, since nothing was logged."""
        probe = LoggedChange(
            position=int(entry["position"]) + 1,
            extension_id=int(entry["extensionId"]),
            account_id=int(entry["accountId"]),
            sequence=0,
            time=float(entry["time"]),
            body={},
            previous={},
        )
        rows = []
        for subscription in subscriptions:
            if subscription.account_id != probe.account_id:
                continue
            found = chosen_filter(subscription, probe)
            if found is None:
                continue
            rows.append(
                {
                    "subscriptionId": subscription.id,
                    "transport": subscription.transport,
                    "ownerId": str(subscription.extension_id),
                    "filter": found.text,
                    "reason": j.UNCHANGED,
                    "detail": "the change changed no field any presence event carries "
                    "(the same value again, or a field no event has): nothing was published",
                }
            )
        return rows


def _change(entry: Record, considered: str) -> Record:
    change: Record = {
        "considered": considered,
        "extensionId": entry["extensionId"],
        "time": entry["time"],
        "timestamp": iso_millis(float(entry["time"])),
        "subscriptions": [],
    }
    if considered == "logged":
        change.update(
            position=entry["position"], sequence=entry["sequence"], changed=entry["changed"]
        )
    return change


def _row(entry: Record) -> Record:
    drop = ("kind", "position", "extensionId", "time")
    return {k: v for k, v in entry.items() if k not in drop}


def _deliveries(entries: list[Record]) -> dict[tuple[str, int], list[Record]]:
    found: dict[tuple[str, int], list[Record]] = {}
    for entry in entries:
        found.setdefault((entry["subscriptionId"], int(entry["position"])), []).append(entry)
    return found


def _resolve(
    row: Record,
    change: Record,
    deliveries: dict[tuple[str, int], list[Record]],
    outcomes: dict[tuple[str, int], Record],
) -> Record:
    """A matched row's outcome: delivered, or what kept it from its receiver."""
    if row["reason"] != j.MATCHED:
        return {**row, "delivered": False}
    key = (row["subscriptionId"], int(change["position"]))
    attempts = deliveries.get(key, [])
    ok = [a for a in attempts if a["delivered"]]
    if ok:
        done: Record = {**row, "delivered": True, "reason": j.DELIVERED, "time": ok[0]["time"]}
        done["attempts"] = len(attempts)
        if ok[0].get("status") is not None:
            done["status"] = ok[0]["status"]
        if ok[0].get("sessionId") is not None:
            done["sessionId"] = ok[0]["sessionId"]
        return done
    if attempts:
        last = attempts[-1]
        failed: Record = {
            **row,
            "delivered": False,
            "time": last["time"],
            "attempts": len(attempts),
            "status": last.get("status"),
        }
        why = last.get("error") or f"the receiver answered {last.get('status')}"
        if last.get("fault") is not None:
            failed["reason"] = j.CHAOS
            failed["fault"] = last["fault"]
            failed["detail"] = f"a chaos rule of webhookDelivery ({last['fault']}): {why}"
        elif last.get("status") == 429:
            failed["reason"] = j.RATE
            failed["detail"] = f"the receiver is rate limiting (429): {why}"
        else:
            failed["reason"] = j.RECEIVER_FAILED
            failed["detail"] = why
        return failed
    outcome = outcomes.get(key)
    if outcome is not None:
        more = {k: v for k, v in outcome.items() if k not in ("kind", "position", "subscriptionId")}
        return {**row, "delivered": False, **more}
    waiting = (
        "the WebHook deliverer has not sent it yet (or a retry waits)"
        if row.get("transport") == WEBHOOK
        else "no socket of the subscription has been sent it yet"
    )
    return {**row, "delivered": False, "reason": j.PENDING, "detail": f"matched; {waiting}"}


def describe(explained: dict[str, Any]) -> list[str]:
    """An explanation as lines of text (`listen --explain`, `PresenceMock.explain`'s repr)."""
    lines: list[str] = []
    for change in explained.get("changes", []):
        if change["considered"] == "unchanged":
            head = f"{change['timestamp']} extension {change['extensionId']}: nothing changed"
        else:
            changed = ", ".join(change.get("changed") or []) or "no field"
            head = (
                f"{change['timestamp']} extension {change['extensionId']} "
                f"#{change['sequence']} ({changed})"
            )
        lines.append(head)
        if not change["subscriptions"]:
            lines.append("  no subscription of the account was there to weigh it")
        for row in change["subscriptions"]:
            verdict = "delivered" if row["delivered"] else "not delivered"
            line = f"  {row['subscriptionId']} {row['transport']}: {verdict} ({row['reason']})"
            if row.get("detail"):
                line += f": {row['detail']}"
            lines.append(line)
    return lines
