"""A deliverer process that dies loses nothing another can deliver (decision EVT-13): two
deliverers on one Redis, the first killed with SIGKILL while it holds the lease; the second
takes the subscription over when the lease runs out and delivers from the cursor, once."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.events.delivery import Deliverer
from mockserver.platform.tokens import Caller
from presence_mock_kit.receiver import WebhookReceiver
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name

LEASE = 1.0


def _deliver_forever(store: str) -> None:
    emulator = Emulator.from_settings(Settings(store=store))
    deliverer = Deliverer(
        emulator.events, emulator.directory, emulator.clock, owner="doomed", lease_seconds=LEASE
    )
    deliverer.run(threading.Event())


def test_a_killed_deliverers_work_is_taken_over(redis_server: str) -> None:  # noqa: F811
    store = f"{redis_server}/11"
    emulator = Emulator.from_settings(Settings(store=store))
    emulator.store._redis().flushdb()  # type: ignore[attr-defined]
    admin = emulator.directory.accounts[0].administrator
    app = emulator.directory.apps[0]
    caller = Caller(admin.account_id, admin.id, app.client_id, True, app.permissions, 0)
    with WebhookReceiver() as hook:
        body = {
            "eventFilters": ["/restapi/v1.0/account/~/extension/~/presence"],
            "deliveryMode": {"transportType": "WebHook", "address": hook.url},
        }
        emulator.events.subscriptions.create(caller, body)
        doomed = multiprocessing.get_context("fork").Process(target=_deliver_forever, args=(store,))
        doomed.start()
        try:
            emulator.presence.update("", caller, "~", "~", {"userStatus": "Offline"})
            first = hook.wait_for_count(1, timeout=10)[0].json
            time.sleep(0.5)  # its cursor is written after the POST
        finally:
            assert doomed.pid is not None
            os.kill(doomed.pid, signal.SIGKILL)
            doomed.join(5)
        emulator.presence.update("", caller, "~", "~", {"userStatus": "Busy"})
        heir = Deliverer(
            emulator.events, emulator.directory, emulator.clock, owner="heir", lease_seconds=LEASE
        )
        assert heir.step() == 0  # the dead one's lease still holds
        deadline = time.monotonic() + 5
        while heir.step() == 0:
            assert time.monotonic() < deadline, "the lease was never taken over"
            time.sleep(0.1)
        got = [d.json for d in hook.wait_for_count(2, timeout=5)]
        time.sleep(0.3)
        assert len(hook.deliveries) == 2
        assert got[0] == first and got[1]["body"]["userStatus"] == "Busy"
        assert got[1]["body"]["sequence"] == first["body"]["sequence"] + 1
