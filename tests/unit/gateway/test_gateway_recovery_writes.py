"""What the gateway's sweep writes of its sessions (recovery.py): a session's record when its
subscription or its drop changes; how far each live session has got on the heartbeat, one
write for all of them, read back when another gateway takes a session over."""

from __future__ import annotations

from typing import Any

from werkzeug.test import Client

from mockserver.emulator import Emulator
from mockserver.events.subscriptions import Subscription
from mockserver.gateway.recovery import BEATS, SESSIONS, Recoveries
from mockserver.gateway.socket_sessions import Session
from mockserver.platform.wstokens import WsGrant
from tests.support.login import Api
from tests.support.subscriptions import websocket_subscription


class Counting:
    """The store, with its writes counted by namespace."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.puts: list[str] = []

    def put(self, namespace: str, key: str, record: Any, expires: float | None = None) -> None:
        self.puts.append(namespace)
        self.store.put(namespace, key, record, expires)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def live(found: Subscription, grant: WsGrant) -> Session:
    session = Session(grant, 0.0, 0.0, lambda text: None)
    session.subscription, session.subscription_id = found, found.id
    return session


def test_live_sessions_progress_is_one_write_per_sweep_and_is_taken_over(
    client: Client, emulator: Emulator, admin: Api
) -> None:
    store = Counting(emulator.store)
    events = emulator.events
    mine = Recoveries(store, events.log, events.subscriptions, emulator)
    grant = WsGrant(admin.owner.account_id, admin.owner.id, "app", "oauth")
    sessions = [live(websocket_subscription(emulator, admin), grant) for _ in range(3)]
    mine.sync(sessions, 10.0)
    assert sorted(store.puts) == [BEATS] + [SESSIONS] * 3  # each new session's record
    for sweep in range(3):  # notifications went out on every socket between two sweeps
        for session in sessions:
            session.sequence += 1
            session.sent_sequence, session.position = session.sequence, 100 + sweep
        store.puts.clear()
        mine.sync(sessions, 11.0 + sweep)
        assert store.puts == [BEATS]  # not one write per socket
    # Another gateway takes the first session over: it goes on from where the beat says.
    other = Recoveries(emulator.store, events.log, events.subscriptions, emulator)
    recovery, saved = other.load(sessions[0].token, grant, 14.0)
    assert recovery == ("Successful", None) and saved is not None
    assert (saved.sequence, saved.position) == (4, 102)
    record = emulator.store.get(SESSIONS, sessions[0].token)
    assert record is not None and record["gateway"] == other.me
    assert (record["sequence"], record["position"]) == (4, 102)
    # A drop rewrites that session's record (with what it was sent), once.
    sessions[1].send, sessions[1].dropped_at = None, 14.0
    store.puts.clear()
    mine.sync(sessions, 14.5)
    mine.sync(sessions, 15.5)
    assert sorted(store.puts) == [BEATS, BEATS, SESSIONS]
    record = emulator.store.get(SESSIONS, sessions[1].token)
    assert record is not None and (record["sequence"], record["droppedAt"]) == (4, 14.0)
