"""WebSocket sessions kept in the store too (decisions WS-18, WS-19), so a client reconnecting with
its `wsc` to a restarted gateway, or to another replica sharing the store, within the recovery
timeout gets `recoveryState: Successful` and what it missed (docs/contract.md#websocket-recovery).

What is kept, per session (`ws-session`, its wsc token): the OAuth session it belongs to, its
subscription, its `wsc.sequence` and the log position of its last notification, which gateway
holds it, and when it was dropped. The missed notifications themselves are not kept: they are
made again from the event log after that position (the subscription in the store, the
events core's matching). A session's record is written by the gateway's sweep when its
subscription or its drop changed; how far each live session has got (its sequence and position)
rides on the gateway's heartbeat, written by the sweep once a second, one write for all its
sessions (decision WS-53). A crash may so lose up to a second of it, and those notifications are
then sent again on recovery (at least once, docs/decisions.md). A session whose gateway died was
dropped no later than its last beat.

Blocking calls all (the store): the gateway runs them off its event loop.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections import deque
from dataclasses import dataclass
from typing import Any

from mockserver.events.log import EventLog
from mockserver.events.matching import envelope_for
from mockserver.events.subscriptions import Subscription, SubscriptionService
from mockserver.gateway import frames
from mockserver.gateway.socket_sessions import Notice, Recovery, Session
from mockserver.platform.wstokens import WsGrant
from mockserver.storage import Records

SESSIONS = "ws-session"
BEATS = "ws-gateway"
KEEP = float(frames.ABSOLUTE_TIMEOUT + frames.RECOVERY_TIMEOUT)  # emulator seconds
SCAN = 500  # changes read at once when making the missed notifications again


@dataclass(frozen=True, slots=True)
class Saved:
    """A session as another gateway may take it over."""

    sequence: int
    position: int
    subscription: Subscription


class Recoveries:
    def __init__(
        self, store: Records, log: EventLog, subscriptions: SubscriptionService, emulator: Any
    ) -> None:
        self.store = store
        self.log = log
        self.subscriptions = subscriptions
        self.emulator = emulator  # what envelope_for reads
        self.me = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    # -- what this gateway writes ---------------------------------------------------------------
    def sync(self, sessions: list[Session], now: float) -> None:
        """The sweep's writes: each held session whose subscription or drop changed (its
        record, with what it was sent so far), and the heartbeat, which carries how far each
        live session's notifications have gone: one write however many sockets were sent
        something since the last sweep (decision WS-53)."""
        progress: dict[str, list[int]] = {}
        for session in sessions:
            if session.send is not None and session.subscription_id is not None:
                progress[session.token] = [session.sent_sequence, session.position]
            state = _state(session)
            if state == session.saved:
                continue
            if session.subscription_id is None:
                self.store.take(SESSIONS, session.token)
            else:
                record = {
                    "oauthSession": session.grant.session_id,
                    "subscriptionId": session.subscription_id,
                    "sequence": session.sent_sequence,
                    "position": session.position,
                    "droppedAt": session.dropped_at,
                    "gateway": self.me,
                    "at": now,
                }
                self.store.put(SESSIONS, session.token, record, expires=now + KEEP)
            session.saved = state
        beat = {"at": now, "progress": progress}
        self.store.put(BEATS, self.me, beat, expires=now + KEEP)

    def release(self, session: Session) -> bool:
        """A session past its recovery timeout here: forget it and its subscription, unless
        another gateway took it over meanwhile. Whether the subscription is to be removed."""
        found = self.store.get(SESSIONS, session.token)
        if found is not None and found.get("gateway") != self.me:
            return False
        self.store.take(SESSIONS, session.token)
        return True

    def held_elsewhere(self, token: str) -> bool:
        found = self.store.get(SESSIONS, token)
        return found is not None and found.get("gateway") != self.me

    # -- taking a session over ------------------------------------------------------------------
    def load(self, token: str, grant: WsGrant, now: float) -> tuple[Recovery, Saved | None]:
        """The recovery answer (docs/contract.md#websocket-recovery) for a `wsc` this gateway does
        not hold, and the session to go on with when it is `Successful` (then this gateway holds
        it)."""
        found = self.store.get(SESSIONS, token)
        failed: Recovery = ("Failed", frames.NO_SUBSCRIPTION)
        if found is None:
            return failed, None
        subscription = self.subscriptions.find(str(found["subscriptionId"]))
        if subscription is None or subscription.expired(now):
            return failed, None
        if found["oauthSession"] != grant.session_id:
            return ("Failed", frames.OTHER_SESSION), None
        beat = self.store.get(BEATS, str(found["gateway"])) or {}
        dropped = found.get("droppedAt")
        since = float(dropped if dropped is not None else beat.get("at", found["at"]) or 0.0)
        if now - since > frames.RECOVERY_TIMEOUT:
            return failed, None
        sequence, position = int(found["sequence"]), int(found["position"])
        moved = (beat.get("progress") or {}).get(token)  # where a live session had got to
        if moved is not None and int(moved[1]) > position:
            sequence, position = int(moved[0]), int(moved[1])
        taken = {**found, "sequence": sequence, "position": position}
        self.store.put(SESSIONS, token, {**taken, "gateway": self.me, "at": now}, now + KEEP)
        return ("Successful", None), Saved(sequence, position, subscription)

    def missed(self, subscription: Subscription, position: int) -> tuple[list[Notice], int]:
        """The notifications of `subscription` after log `position`, the last 100 of them, and
        the position they reach."""
        last = self.log.last()
        out: deque[Notice] = deque(maxlen=frames.RECOVERY_BUFFER_SIZE)
        while position < last:
            batch = [c for c in self.log.after(position, SCAN) if c.position <= last]
            if not batch:
                break
            for change in batch:
                envelope = envelope_for(subscription, change, self.emulator)
                if envelope is not None:
                    out.append(Notice(envelope, change.position))
            position = batch[-1].position
        return list(out), last


def _state(session: Session) -> tuple[Any, ...]:
    # What rewrites a session's record: its subscription and its drop (how far a live session
    # has got rides on the heartbeat). A dropped session's record is written once (its drop),
    # so it never overwrites the claim of a gateway that took the session over.
    return (session.subscription_id, session.dropped_at)
