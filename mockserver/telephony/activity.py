"""office-day: a seeded, reproducible background of calls, queue calls, holds, transfers, parks,
meetings and status and DND changes, at a rate for the account's size.

The day is planned in advance as a scenario (mockserver/telephony/scenario.py), from the seed alone:
the same seed and account give the same timeline, played by the same `Playback` as any scenario,
with refused steps skipped (someone's PUT may have made the planned callee unreachable). The planner
keeps its own picture of who is busy, drawn from the seed's presence, so most steps succeed.
Rates (decision CALL-19): a user of a busy office places or takes a call about every
ten minutes, joins a meeting every other hour and changes status or DND once an hour. `rate` is
the day's pace (decision CALL-80): how many times faster than life it plays, every gap and every
duration divided by it (1: the realistic pace; the server's default is livelier,
`config.DEFAULT_ACTIVITY_RATE`).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mockserver.directory.model import Account, Extension, ExtensionType
from mockserver.telephony.scenario import Scenario, Step

NAME = "office-day"
ACTIVITIES = (NAME,)
CALLS_PER_USER_HOUR = 6.0
MEETINGS_PER_USER_HOUR = 0.5
CHANGES_PER_USER_HOUR = 1.0
# What kind of call an arrival is, and how likely.
KINDS = ("inbound", "internal", "outbound", "queue")
KIND_WEIGHTS = (0.35, 0.15, 0.15, 0.35)
# A status or DND change: away for a while, then back to the user's own setting.
AWAY = {"userStatus": "Busy", "dndStatus": "DoNotAcceptAnyCalls"}
BACK = {"userStatus": "Available", "dndStatus": "TakeAllCalls"}
AREA_CODES = ("212", "312", "415", "617", "650", "206")
CALLER_NAMES = (
    "Ann Caller",
    "Ben Customer",
    "Carla Vendor",
    "Dev Partner",
    "Eve Prospect",
    "WIRELESS CALLER",
    "SAN FRANCISCO CA",
)


@dataclass
class _Planner:
    account: Account
    rng: random.Random
    steps: list[tuple[float, int, str, dict[str, Any]]] = field(default_factory=list)
    busy_until: dict[int, float] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=itertools.count)
    calls: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        users = [e for e in self.account.extensions if e.type.is_user and e.status == "Enabled"]
        # Who can be rung as seeded: not Offline, not in DND for every call.
        self.reachable = [
            u
            for u in users
            if u.settings.get("userStatus") != "Offline"
            and u.settings.get("dndStatus") != "DoNotAcceptAnyCalls"
        ]
        self.users = users
        self.queues = [
            e for e in self.account.extensions if e.type is ExtensionType.DEPARTMENT and e.members
        ]
        self.parks = [e for e in self.account.extensions if e.type is ExtensionType.PARK_LOCATION]
        # The administrator's own settings are left alone (the contract kit PUTs them).
        self.changeable = [u for u in users if not u.admin]

    # -- helpers --------------------------------------------------------------------------------
    def add(self, at: float, action: str, **args: Any) -> None:
        heapq.heappush(self.steps, (round(at, 3), next(self.counter), action, args))

    def free(self, at: float, among: list[Extension], count: int = 1) -> list[Extension]:
        idle = [u for u in among if self.busy_until.get(u.id, 0.0) <= at]
        if len(idle) < count:
            return []
        return self.rng.sample(idle, count)

    def reserve(self, users: list[Extension], until: float) -> None:
        for user in users:
            self.busy_until[user.id] = max(self.busy_until.get(user.id, 0.0), until + 1.0)

    def outside(self) -> str:
        return f"+1{self.rng.choice(AREA_CODES)}55501{self.rng.randrange(100):02d}"

    def label(self) -> str:
        return f"c{next(self.calls)}"

    # -- what happens -----------------------------------------------------------------------------
    def happening(self, at: float) -> None:
        calls = CALLS_PER_USER_HOUR
        meetings, changes = MEETINGS_PER_USER_HOUR, CHANGES_PER_USER_HOUR
        roll = self.rng.random() * (calls + meetings + changes)
        if roll < calls:
            kind = self.rng.choices(KINDS, KIND_WEIGHTS)[0]
            if kind == "queue":
                self.queue_call(at)
            else:
                self.call(at, kind)
        elif roll < calls + meetings:
            self.meeting(at)
        else:
            self.change(at)

    def call(self, at: float, kind: str) -> None:
        count = 2 if kind == "internal" else 1
        chosen = self.free(at, self.reachable, count)
        if not chosen:
            return
        label = self.label()
        if kind == "inbound":
            self.add(
                at,
                "ring",
                **{
                    "from": self.outside(),
                    "to": chosen[0].number,
                    "name": self.rng.choice(CALLER_NAMES),
                    "call": label,
                },
            )
        elif kind == "outbound":
            self.add(at, "ring", **{"from": chosen[0].number, "to": self.outside(), "call": label})
        else:
            self.add(
                at, "ring", **{"from": chosen[0].number, "to": chosen[1].number, "call": label}
            )
        callee = chosen[-1] if kind != "outbound" else None
        end = self.conversation(at, label, chosen, callee)
        self.reserve(chosen, end)

    def conversation(
        self, at: float, label: str, parties: list[Extension], callee: Extension | None
    ) -> float:
        """Answer (or not), maybe hold, transfer or park, then end; returns the end time."""
        rng = self.rng
        if rng.random() < 0.12:  # nobody answers
            end = at + rng.uniform(15, 25)
            self.add(end, "end", call=label)
            return end
        answered = at + rng.uniform(2, 10)
        self.add(answered, "answer", call=label)
        talk = min(max(rng.expovariate(1 / 120), 15), 900)
        end = answered + talk
        holder = callee or (parties[0] if parties else None)
        who = {"by": holder.number} if holder is not None else {}
        roll = rng.random()
        if roll < 0.2:
            hold_at = answered + talk * rng.uniform(0.2, 0.6)
            held = rng.uniform(10, 40)
            self.add(hold_at, "hold", call=label, **who)
            self.add(hold_at + held, "unhold", call=label, **who)
            end += held
        elif roll < 0.28 and callee is not None:
            target = self.free(at, self.reachable)
            if target and target[0] not in parties:
                moved = answered + talk / 2
                self.add(moved, "transfer", call=label, by=callee.number, to=target[0].number)
                self.add(moved + rng.uniform(2, 6), "answer", call=label, by=target[0].number)
                end += talk / 2
                self.reserve(target, end)
        elif roll < 0.33 and callee is not None and self.parks:
            picker = self.free(at, self.reachable)
            if picker and picker[0] not in parties:
                parked = answered + talk / 2
                spot = rng.choice(self.parks)
                self.add(parked, "park", call=label, by=callee.number, location=spot.number)
                self.add(parked + rng.uniform(10, 60), "pickup", call=label, by=picker[0].number)
                end += 60
                self.reserve(picker, end)
        self.add(end, "end", call=label)
        return end

    def queue_call(self, at: float) -> None:
        if not self.queues:
            return
        queue = self.rng.choice(self.queues)
        members = [self.account.by_id[m.extension_id] for m in queue.members]
        idle = self.free(at, [m for m in members if m in self.reachable])
        if not idle:
            return
        label = self.label()
        self.add(
            at,
            "queue-call",
            queue=queue.number,
            call=label,
            **{"from": self.outside(), "name": self.rng.choice(CALLER_NAMES)},
        )
        # Who answers is the engine's choice (the first member rung): every idle member is kept
        # free of other calls until the call ends.
        end = self.conversation(at, label, [], None)
        self.reserve([m for m in members if self.busy_until.get(m.id, 0.0) <= at], end)

    def meeting(self, at: float) -> None:
        chosen = self.free(at, self.reachable)
        if not chosen:
            return
        user = chosen[0]
        if user.meeting_status == "Connected":
            return
        end = at + self.rng.uniform(5, 30) * 60
        self.add(at, "meeting-start", user=user.number)
        self.add(end, "meeting-end", user=user.number)
        self.reserve(chosen, end)

    def change(self, at: float) -> None:
        chosen = self.free(at, [u for u in self.changeable if u in self.reachable])
        if not chosen:
            return
        user = chosen[0]
        back = at + self.rng.uniform(1, 10) * 60
        field = "userStatus" if self.rng.random() < 0.5 else "dndStatus"
        self.add(at, "presence", user=user.number, **{field: AWAY[field]})
        self.add(
            back, "presence", user=user.number, **{field: user.settings.get(field, BACK[field])}
        )
        self.reserve(chosen, back)


def office_day(account: Account, seed: int, rate: float = 1.0) -> Scenario:
    """The office's endless timeline for `account`: happenings at random (exponential gaps),
    (calls + meetings + changes per user-hour) x users of them an hour of the office's time,
    planned lazily in time order; played `rate` times faster than life (every time divided by
    it: the same day, sooner)."""
    return Scenario(
        f"{NAME} (seed {seed}, rate {rate:g})", _steps(account, seed, rate), str(account.id)
    )


def _steps(account: Account, seed: int, rate: float) -> Iterator[Step]:
    rng = random.Random(seed)
    planner = _Planner(account, rng)
    per_hour = CALLS_PER_USER_HOUR + MEETINGS_PER_USER_HOUR + CHANGES_PER_USER_HOUR
    per_second = max(len(planner.users), 1) * per_hour / 3600  # of the office's own time
    arrival = rng.expovariate(per_second)
    for index in itertools.count():
        # Every step follows its happening, so once the next happening is later than the
        # earliest planned step, that step is the next in time.
        while not planner.steps or arrival <= planner.steps[0][0]:
            planner.happening(arrival)
            arrival += rng.expovariate(per_second)
        at, _, action, args = heapq.heappop(planner.steps)
        yield Step(index, round(at / rate, 3), action, args)
