"""The WebHook deliverer's leases (docs/contract.md#webhook-delivery, decisions EVT-13, EVT-40,
EVT-41): exactly once across deliverers even when a pass outlives a lease, and no lease written
while nothing is new. Driven step by step with a fake wall clock (no test sleeps) and a callable
receiver that stands for a slow one by moving that clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, cast

import pytest

from mockserver.chaos import Chaos, Plan
from mockserver.emulator import Emulator
from mockserver.events import delivery
from mockserver.events.delivery import Deliverer
from mockserver.events.explain import LEASE
from mockserver.events.webhooks import Answer, Outgoing
from mockserver.storage import Record
from tests.support.login import Api

SUBS = "/restapi/v1.0/subscription"
MINE = "/restapi/v1.0/account/~/extension/~/presence"
ADDRESS = "https://slow-hook.test/"


class Wall:
    """A wall clock the test moves (the deliverers' leases and retry waits)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Receiver:
    """A receiver that takes `seconds` of wall time to answer each POST, and may run something
    while it answers its Nth POST (another deliverer's step, as another replica would)."""

    def __init__(self, wall: Wall, seconds: float) -> None:
        self.wall = wall
        self.seconds = seconds
        self.got: list[dict[str, Any]] = []
        self.meanwhile: dict[int, Callable[[], None]] = {}

    def __call__(self, outgoing: Outgoing) -> Answer:
        token = outgoing.headers.get("Validation-Token")
        if token is not None:  # the handshake
            return Answer(200, {"Validation-Token": token})
        self.got.append(outgoing.json())
        self.wall.now += self.seconds
        run = self.meanwhile.pop(len(self.got), None)
        if run is not None:
            run()
        return Answer(200)

    def uuids(self) -> list[str]:
        return [str(e["uuid"]) for e in self.got]


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def receiver(emulator: Emulator, wall: Wall) -> Iterator[Receiver]:
    found = Receiver(wall, 11.0)
    emulator.events.transport.receivers[ADDRESS] = found
    yield found
    del emulator.events.transport.receivers[ADDRESS]
    # The explanation weigher's lease, taken at this test's wall clock, is no other test's.
    emulator.events.subscriptions.store.drop_lease(LEASE)


def subscribe(api: Api) -> str:
    body = {
        "eventFilters": [MINE],
        "deliveryMode": {"transportType": "WebHook", "address": ADDRESS + "x"},
    }
    answer = api.client.post(SUBS, json=body, headers=api.headers())
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return str(answer.get_json()["id"])


def flip(api: Api, times: int) -> None:
    status = api.get(MINE).get_json()["userStatus"]
    for _ in range(times):
        status = "Busy" if status != "Busy" else "Available"
        assert api.put(MINE, {"userStatus": status}).status_code == 200


def deliverer(emulator: Emulator, owner: str, wall: Wall) -> Deliverer:
    return Deliverer(emulator.events, emulator.directory, emulator.clock, owner=owner, wall=wall)


def test_a_pass_that_outlives_its_lease_is_not_delivered_again(
    admin: Api, emulator: Emulator, wall: Wall, receiver: Receiver
) -> None:
    """Three changes, each POST answered in 11 s: the pass takes 33 s, past the 30 s lease. A
    second deliverer steps while the third POST is under way (a replica, a restarted gateway):
    it must find the lease held and the cursor where the first got to, and POST nothing."""
    subscribe(admin)
    flip(admin, 3)
    one, two = deliverer(emulator, "one", wall), deliverer(emulator, "two", wall)
    took: list[int] = []
    receiver.meanwhile[3] = lambda: took.append(two.step())  # 33 s after the pass began
    assert one.step() == 3
    assert took == [0]
    wall.now += 5
    assert two.step() == 0  # still held by one (kept during its pass)
    assert len(receiver.uuids()) == 3 and len(set(receiver.uuids())) == 3
    # one dies now: two takes over once the lease has run out, with nothing left to POST
    wall.now += 31
    assert two.step() == 0
    flip(admin, 1)
    assert two.step() == 1
    assert len(receiver.uuids()) == 4 and len(set(receiver.uuids())) == 4


def test_nothing_new_writes_no_lease(
    admin: Api, emulator: Emulator, wall: Wall, receiver: Receiver, monkeypatch: Any
) -> None:
    """Once a pass has delivered, passes with nothing new touch no lease in the store; a change
    delivered writes the state once, and the lease is taken again only a third of it later."""
    receiver.seconds = 0.0
    subscribe(admin)
    flip(admin, 1)
    one = deliverer(emulator, "one", wall)
    assert one.step() == 1
    store = emulator.events.subscriptions.store
    calls: list[str] = []
    lease, update = store.lease, store.update_lease

    def counted_lease(name: str, owner: str, now: float, ttl: float) -> Record | None:
        calls.append("lease" if name.startswith("delivery:") else f"lease {name}")
        return lease(name, owner, now, ttl)

    def counted_update(name: str, owner: str, state: Record) -> bool:
        calls.append("update" if name.startswith("delivery:") else f"update {name}")
        return update(name, owner, state)

    monkeypatch.setattr(store, "lease", counted_lease)
    monkeypatch.setattr(store, "update_lease", counted_update)
    for _ in range(20):
        assert one.step() == 0
    assert calls == []  # neither the subscription's lease nor the explanation weigher's
    flip(admin, 1)
    assert one.step() == 1
    weigher = [f"lease {LEASE}", f"update {LEASE}"]  # it weighs the change, after the POST
    assert calls == ["update", *weigher]  # the cursor, once; the lease is still fresh
    calls.clear()
    wall.now += 11
    flip(admin, 1)
    assert one.step() == 1
    assert calls == ["lease", "update", *weigher]  # a third of it gone: taken again
    assert len(set(receiver.uuids())) == 3


class Delaying:
    """A chaos stand-in: every WebHook delivery is held back `seconds` (a latency rule)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def transport_plan(self, operation: str) -> Plan | None:
        return Plan(delay=self.seconds)


def test_a_delay_past_the_lease_is_followed_by_no_post_under_another_owner(
    admin: Api, emulator: Emulator, wall: Wall, receiver: Receiver, monkeypatch: Any
) -> None:
    """A latency rule holds a delivery back longer than the lease (up to 300 s): meanwhile another
    deliverer takes the subscription over and POSTs the change. When the delay ends, the first
    must see the lease is no longer its own and POST nothing."""
    receiver.seconds = 0.0
    subscribe(admin)
    flip(admin, 1)
    one = Deliverer(
        emulator.events,
        emulator.directory,
        emulator.clock,
        owner="one",
        wall=wall,
        chaos=cast(Chaos, Delaying(40.0)),
    )
    two = deliverer(emulator, "two", wall)
    took: list[int] = []

    def sleep(seconds: float) -> None:  # the delay, on the fake wall clock
        wall.now += seconds
        took.append(two.step())

    monkeypatch.setattr(delivery, "time", SimpleNamespace(sleep=sleep))
    assert one.step() == 0  # its POST would have come after two's
    assert took == [1]
    assert len(receiver.uuids()) == 1
