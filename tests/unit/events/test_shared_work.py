"""Work shared and waits woken (decisions EVT-40, WS-40): WebSocket notifications built once for
subscriptions alike, and the WebHook deliverer woken by the change that lands while it delivers
rather than by its idle timer."""

from __future__ import annotations

import threading

import pytest

from mockserver.emulator import Emulator
from mockserver.events import delivery
from mockserver.events.delivery import Deliverer
from mockserver.events.log import EventLog
from mockserver.events.matching import envelope_for, envelopes_for
from mockserver.events.subscriptions import WEBSOCKET, Subscription
from mockserver.platform.tokens import Caller
from mockserver.storage.memory import MemoryStore
from tests.support.answers import find
from tests.support.login import Api

EXT = "/restapi/v1.0/account/~/extension/{}/presence"
ACCOUNT = "/restapi/v1.0/account/~/presence"
LONG = 600.0  # a wait that would outlast the test run: only a wake-up ends it in time


def subscribe(emulator: Emulator, api: Api, *filters: str) -> Subscription:
    owner = api.owner
    app = emulator.directory.apps[0]
    caller = Caller(owner.account_id, owner.id, app.client_id, owner.admin, app.permissions, 0)
    body = {"eventFilters": list(filters), "deliveryMode": {"transportType": WEBSOCKET}}
    return emulator.events.subscriptions.create(caller, body, transport=WEBSOCKET, session_id="s")


def test_subscriptions_alike_share_a_notification_with_their_own_ids(
    admin: Api, user: Api, emulator: Emulator
) -> None:
    target = find(
        emulator.directory,
        lambda e: e.type.is_user and not e.admin and e.settings.get("allowSeeMyPresence", True),
    )
    path = EXT.format(target.id)
    subscriptions = [
        subscribe(emulator, admin, path),
        subscribe(emulator, admin, path),  # alike the first
        subscribe(emulator, user, path),  # another owner
        subscribe(emulator, admin, ACCOUNT),  # another filter
        subscribe(emulator, admin, EXT.format(admin.owner.id)),  # not fired
    ]
    admin.put(path, {"allowSeeMyPresence": False})  # the user no longer sees it: Offline
    changes = emulator.events.log.after(subscriptions[0].start)
    for change in changes:
        shared = envelopes_for(subscriptions, change, emulator)
        assert shared == [envelope_for(s, change, emulator) for s in subscriptions]
        assert shared[4] is None
        uuids = {e["uuid"] for e in shared if e is not None}
        assert len(uuids) == 4
    first, second = envelopes_for(subscriptions[:2], changes[-1], emulator)
    assert first is not None and second is not None and first["body"] is second["body"]


def test_news_wakes_at_once_when_followed() -> None:
    log = EventLog(MemoryStore())
    log.followed = True
    assert log.news(0, 0.0) is False
    log.heard(3)
    assert log.news(2, LONG) is True  # heard already: no wait
    woke = threading.Timer(0.05, log.heard, args=(4,))
    woke.start()
    assert log.news(3, LONG) is True
    woke.join()


def test_a_change_during_a_step_wakes_the_next_one(
    admin: Api, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait after a step starts from the log's end as it was before the step: a change that
    landed meanwhile is news, delivered by the next step at once, not after the idle wait."""
    monkeypatch.setattr(delivery, "IDLE_WAIT", LONG)
    deliverer = Deliverer(emulator.events, emulator.directory, emulator.clock, owner="waker")
    steps: list[int | None] = []
    second = threading.Event()
    stop = threading.Event()
    step = deliverer.step

    def stepping(last: int | None = None) -> int:
        steps.append(last)
        if len(steps) == 1:  # a change lands while this step delivers
            status = admin.get(EXT.format("~")).get_json()["userStatus"]
            admin.put(EXT.format("~"), {"userStatus": "Busy" if status != "Busy" else "Away"})
        else:
            second.set()
            stop.set()
        return step(last)

    monkeypatch.setattr(deliverer, "step", stepping)
    runner = threading.Thread(target=deliverer.run, args=(stop,), daemon=True)
    runner.start()
    try:
        assert second.wait(60), "the change made during the step did not wake the deliverer"
    finally:
        stop.set()
        emulator.events.log.heard(emulator.events.log.last() + 1)  # let a stuck wait end
        runner.join(5)
    assert steps[1] is not None and steps[0] is not None and steps[1] > steps[0]
