"""WebSocket sessions: live ones with their socket, dropped ones kept for recovery
(docs/contract.md#websocket-recovery).

A session outlives its socket by `recoveryTimeout` (emulator time): its subscription keeps
matching events, which wait in a buffer of the last 100; a client that comes back with the
session's `wsc` token under the same OAuth session gets them (`recoveryState: Successful`).

Threads: the event loop owns the sessions; the tail thread (tail.py) reads `subscribed`, a
tuple replaced whole on every change, so it never sees a collection being changed.
"""

from __future__ import annotations

import re
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mockserver.chaos import Fault
from mockserver.gateway import frames
from mockserver.platform.wstokens import WsGrant

Send = Callable[[str | bytes], None]  # queue one frame's text (or its UTF-8) on a live socket


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification for one session: the envelope and the log position it came from."""

    envelope: dict[str, Any]
    position: int


WSC_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")


@dataclass(eq=False)
class Session:
    grant: WsGrant
    opened: float  # emulator time the current socket opened (absolute timeout)
    last_message: float  # emulator time of the client's last message (idle timeout)
    send: Send | None  # None while dropped
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    sequence: int = 1  # wsc.sequence: 1 on ConnectionDetails, then one per notification
    subscription: Any = None  # the subscription as the events core keeps it
    subscription_id: str | None = None
    dropped_at: float | None = None
    missed: deque[tuple[int, Notice]] = field(
        default_factory=lambda: deque(maxlen=frames.RECOVERY_BUFFER_SIZE)
    )
    close: Callable[[], None] | None = None  # ends the live socket (a later socket took over)
    # Cuts the live socket at once: ((close code, reason), a last frame or None).
    cut: Callable[[tuple[int, str], str | None], None] | None = None
    ending: bool = False  # a timeout's Error frame is sent, the socket is closing
    # Breaks the live socket as a `webSocketSession` fault rule says: (fault, stall, now).
    hang_up: Callable[[Fault, float, float], None] | None = None
    # Whether the live socket's client still reads (False once its outbox overflowed).
    reading: Callable[[], bool] | None = None
    # For recovery through the store (mockserver/gateway/recovery.py): the log position and wsc
    # sequence of the last notification sent, and the state last written to the store.
    position: int = 0
    sent_sequence: int = 1
    saved: tuple[Any, ...] | None = None

    def wsc(self) -> dict[str, Any]:
        return {"token": self.token, "sequence": self.sequence}

    def deliver(self, notice: Notice) -> bool:
        """Send one notification, or keep it for recovery while dropped; whether it was sent."""
        self.sequence += 1
        if self.send is None:
            # Kept with the sequence it was given; the oldest goes past 100 (WS-9).
            self.missed.append((self.sequence, notice))
            return False
        self.send(frames.encode_bytes(frames.notification(notice.envelope, self.wsc())))
        self.position, self.sent_sequence = notice.position, self.sequence
        return True


Recovery = tuple[str, str | None]  # (recoveryState, recoveryErrorCode)


class Sessions:
    def __init__(self) -> None:
        self.by_token: dict[str, Session] = {}
        self.subscribed: tuple[Session, ...] = ()

    def refresh(self) -> None:
        """Call after a session's subscription changed, or a session came or went."""
        self.subscribed = tuple(s for s in self.by_token.values() if s.subscription is not None)

    def open(
        self, grant: WsGrant, now: float, send: Send, wsc: str | None
    ) -> tuple[Session, Recovery | None]:
        """The session of a new socket: the one `wsc` names, recovered, where that is allowed
        (docs/contract.md#websocket-recovery), else a new one. The second value is what
        ConnectionDetails says of the recovery (None when no `wsc` was given)."""
        recovery: Recovery | None = None
        found = self.by_token.get(wsc) if wsc else None
        if wsc is not None:
            if found is None or found.subscription is None:
                recovery = ("Failed", frames.NO_SUBSCRIPTION)
            elif found.grant.session_id != grant.session_id:
                recovery = ("Failed", frames.OTHER_SESSION)
            else:
                recovery = ("Successful", None)
        if found is not None and recovery == ("Successful", None):
            if found.close is not None:  # the old socket is still open: this one takes over
                found.close()
            found.send, found.dropped_at, found.ending = send, None, False
            found.grant, found.opened, found.last_message = grant, now, now
            return found, recovery
        session = Session(grant, now, now, send)
        self.by_token[session.token] = session
        self.refresh()
        return session, recovery

    def replay(self, session: Session) -> list[Notice]:
        """Send what a recovered session missed, oldest first; what was sent."""
        missed = list(session.missed)
        session.missed.clear()
        send = session.send
        assert send is not None
        for sequence, notice in missed:
            wsc = {"token": session.token, "sequence": sequence}
            send(frames.encode_bytes(frames.notification(notice.envelope, wsc)))
            session.position, session.sent_sequence = notice.position, sequence
        return [notice for _, notice in missed]

    def restore(
        self, grant: WsGrant, token: str, sequence: int, subscription: Any, now: float
    ) -> Session:
        """A session another gateway held (recovery.py), dropped here until its socket opens:
        what the log brings meanwhile waits in `missed`."""
        session = Session(grant, now, now, None, token=token, sequence=sequence)
        session.sent_sequence = sequence
        session.subscription, session.subscription_id = subscription, subscription.id
        session.dropped_at = now
        self.by_token[token] = session
        self.refresh()
        return session

    @staticmethod
    def refill(session: Session, notices: list[Notice], upto: int) -> None:
        """The missed notifications made again from the log (up to position `upto`), then
        those that came live after it; numbered on from the last sequence sent."""
        later = [notice for _, notice in session.missed if notice.position > upto]
        session.missed.clear()
        sequence = session.sent_sequence
        for notice in notices + later:
            sequence += 1
            session.missed.append((sequence, notice))
        session.sequence = sequence

    def drop(self, session: Session, send: Send, now: float) -> None:
        """The socket of `send` closed: keep the session for recovery (unless a newer socket
        has taken it over already)."""
        if session.send == send:  # equal bound methods: the same queue
            session.send, session.close, session.dropped_at = None, None, now
            session.hang_up, session.cut, session.reading = None, None, None

    def forget(self, sessions: list[Session]) -> None:
        """Sessions that can never be recovered (their OAuth session ended): gone now, not
        after the recovery timeout."""
        for session in sessions:
            self.by_token.pop(session.token, None)
            session.missed.clear()
        self.refresh()

    def expired(self, now: float) -> list[Session]:
        """Remove and return the dropped sessions past the recovery timeout."""
        gone = [
            s
            for s in self.by_token.values()
            if s.dropped_at is not None and now - s.dropped_at > frames.RECOVERY_TIMEOUT
        ]
        for session in gone:
            del self.by_token[session.token]
        if gone:
            self.refresh()
        return gone

    def live(self) -> list[Session]:
        return [s for s in self.by_token.values() if s.send is not None]
