"""The Directory the emulator serves: generated from a seed, or loaded from a JSON fixture.

`build_directory(seed, extensions)` makes two accounts that look like a real office at 10 a.m.
(see docs/fixtures.md); the same arguments give the same Directory in any process, because all
randomness comes from one `random.Random(seed)` and one Faker seeded per instance, and call
start times are fixed offsets before `REFERENCE_INSTANT`, never the clock (a server moves them
to before its first start, the same instant in every process: `seeded_before`, decision
CALL-81).

Fixture files are read and written by mockserver/directory/fixtures.py.
`python -m mockserver.directory.builder` prints the default directory in that format, which
is how `fixtures/default-account.json` is regenerated.

Invariant that makes sharing safe: an Extension's `settings` dict and its calls are never
changed in place (PUT changes live in the store and are laid over a copy), so extensions with
identical settings share one dict and every non-user shares one empty dict.
"""

from __future__ import annotations

import gc
import json
import random
import sys
from bisect import bisect
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from mockserver.config import DEFAULT_EXTENSIONS, DEFAULT_SEED, MAX_EXTENSIONS, MIN_EXTENSIONS
from mockserver.directory.fixtures import interned_settings
from mockserver.directory.model import (
    DEFAULT_APP_PERMISSIONS,
    LEGACY_WRITABLE_FIELDS,
    Account,
    ActiveCall,
    App,
    Directory,
    Extension,
    ExtensionType,
    PresenceSettings,
    QueueMember,
)
from mockserver.timestamps import iso_millis

if TYPE_CHECKING:
    from faker import Faker

MIN_USERS: int = 40
# 40 users and one of each of the 9 non-user types need 49; 50 is the documented floor. The
# bounds live with the settings, which refuse a value outside them before anything is built.
REFERENCE_INSTANT: datetime = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

DEMO_CLIENT_ID: str = "pM7qR2xVnT4kLw9sYb3HcA"
DEMO_CLIENT_SECRET: str = "Zq8sV1mNc4TxRb7LpW2yKd9GhF3jUe6QaS0oXi5vBt8nMr1CwE"
DEMO_APP = App(
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    "presence-mock demo app",
    DEFAULT_APP_PERMISSIONS,
)

USER = ExtensionType.USER
_NO_SETTINGS: PresenceSettings = {}


# ---------------------------------------------------------------------------------------------
# Generating a directory
# ---------------------------------------------------------------------------------------------
_FIRST_EXTENSION_NUMBER = 101
_SIP_DOMAIN = "sip.ringcentral.com"
_REFERENCE_MS = int(REFERENCE_INSTANT.timestamp()) * 1000
_PLAN_POOL = 1024  # distinct random user seeds per account; larger accounts reuse them
_AREA_CODES = ("650", "415", "408", "212", "312", "617", "206", "512", "303", "404", "305", "702")
# Direct numbers avoid 555 (kept for the main number) and the N11 service codes.
_EXCHANGES = tuple(x for x in range(201, 1000) if x % 100 != 11 and x != 555)
# Faker's en_US cities are invented ("East Rose"); status messages read better with real ones.
_CITIES = ("Lisbon", "Denver", "Austin", "Toronto", "London", "Chicago", "Boston", "Dublin")
# What the platform shows for a caller it has no name for (CNAM style).
_CALLER_IDS = ("SAN MATEO CA", "AUSTIN TX", "DENVER CO", "WIRELESS CALLER", "CHICAGO IL")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_MESSAGES = (
    "In the {city} office until {day}",
    "Working from {city} this week",
    "Out of office, back on {day}",
    "Customer visit in {city}, slow to reply",
    "On PTO until {day}, ask {first} for anything urgent",
    "Working from home today",
    "Focus time until noon, chat works",
    "In training all morning",
    "Commuting, reachable on mobile",
    "Back-to-back interviews, will call back after 4",
)
_NON_USER_NAMES: dict[ExtensionType, tuple[str, ...]] = {
    ExtensionType.DEPARTMENT: tuple(
        f"{team} Department"
        for team in ("Sales", "Support", "Billing", "Customer Success", "Operations", "Finance")
    ),
    ExtensionType.IVR_MENU: ("Main IVR", "Support IVR", "After Hours IVR"),
    ExtensionType.VOICEMAIL: ("General Voicemail", "After Hours Voicemail"),
    ExtensionType.FAX_USER: ("Fax Line", "Accounting Fax"),
    ExtensionType.SHARED_LINES_GROUP: ("Front Desk Shared Lines", "Warehouse Shared Lines"),
    ExtensionType.PAGING_ONLY: ("Warehouse Paging", "Office Paging"),
    ExtensionType.ANNOUNCEMENT: ("Office Hours Announcement", "Holiday Announcement"),
    ExtensionType.APPLICATION_EXTENSION: ("CRM Connector", "Call Recording App"),
}
# The first nine give one of each type even at the minimum size; the rest weight the mix.
# A fixed order, never NON_USER_TYPES: a frozenset's order changes with PYTHONHASHSEED.
_MAIN_NON_USERS = (
    ExtensionType.DEPARTMENT,
    ExtensionType.IVR_MENU,
    ExtensionType.VOICEMAIL,
    ExtensionType.FAX_USER,
    ExtensionType.PARK_LOCATION,
    ExtensionType.SHARED_LINES_GROUP,
    ExtensionType.PAGING_ONLY,
    ExtensionType.ANNOUNCEMENT,
    ExtensionType.APPLICATION_EXTENSION,
    ExtensionType.DEPARTMENT,
    ExtensionType.PARK_LOCATION,
    ExtensionType.DEPARTMENT,
    ExtensionType.VOICEMAIL,
    ExtensionType.PARK_LOCATION,
    ExtensionType.FAX_USER,
)
_SMALL_NON_USERS = (
    ExtensionType.DEPARTMENT,
    ExtensionType.IVR_MENU,
    ExtensionType.VOICEMAIL,
    ExtensionType.PARK_LOCATION,
)

Plan = dict[str, Any]  # a user's seed: writable wire fields plus "meetingStatus" and "calls"

# Guaranteed in the first account, each on a different user: the office at 10 a.m.
_OFFICE_AT_TEN: tuple[Plan, ...] = (
    {"userStatus": "Available", "calls": ("CallConnected",), "allowSeeMyPresence": True},
    {"userStatus": "Available", "calls": ("Ringing",)},
    {"userStatus": "Available", "calls": ("OnHold", "Ringing")},
    {"userStatus": "Busy", "calls": ("ParkedCall",)},
    {"userStatus": "Busy", "calls": (), "message": "Heads down on the quarterly report"},
    {"userStatus": "Offline", "calls": (), "meetingStatus": None},
    {"dndStatus": "DoNotAcceptAnyCalls", "dndStatusPersonal": "DoNotAcceptAnyCalls"},
    {"dndStatus": "DoNotAcceptDepartmentCalls"},
    {"message": "In the Lisbon office until Friday"},
    {"userStatus": "Available", "calls": (), "meetingStatus": "Connected"},
    {"allowSeeMyPresence": False},
    {"ringOnMonitoredCall": True, "pickUpCallsOnHold": True},
    {"callerIdVisibility": "PermittedUsers"},
    {"callerIdVisibility": "None"},
)
_SMALL_OFFICE: tuple[Plan, ...] = (
    {"userStatus": "Available", "calls": ("CallConnected",)},
    {"userStatus": "Offline", "calls": (), "meetingStatus": None},
)
# The demo administrator reads as a plain, visible, available user.
_ADMIN_PLAN: Plan = {
    "userStatus": "Available",
    "dndStatus": "TakeAllCalls",
    "allowSeeMyPresence": True,
    "meetingStatus": "Disconnected",
    "calls": (),
}


class _Weighted:
    """Values with relative weights; one `pick` is a single draw from the seeded Random."""

    def __init__(self, weights: Mapping[Any, float]) -> None:
        self.values = tuple(weights)
        self.cumulative = tuple(accumulate(weights.values()))

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


_USER_STATUS = _Weighted({"Available": 65, "Busy": 13, "Offline": 22})
_DND = _Weighted({"TakeAllCalls": 84, "DoNotAcceptAnyCalls": 9, "DoNotAcceptDepartmentCalls": 7})
_CALLER_ID = _Weighted({"All": 80, "PermittedUsers": 12, "None": 8})
_MEETING = _Weighted({"Disconnected": 55, None: 37, "Connected": 8})
_CALL_STATES = _Weighted(
    {
        ("CallConnected",): 50,
        ("Ringing",): 14,
        ("OnHold",): 9,
        ("ParkedCall",): 6,
        ("OnHold", "Ringing"): 8,
        ("CallConnected", "Ringing"): 8,
        ("OnHold", "CallConnected"): 5,
    }
)
# How long before REFERENCE_INSTANT a call in this state started, in seconds (low, high).
_CALL_AGE = {
    "Ringing": (3, 35),
    "CallConnected": (20, 1500),
    "OnHold": (60, 900),
    "ParkedCall": (30, 400),
}


@dataclass(frozen=True, slots=True)
class _Pools:
    """Faker output drawn once per build; the seeded Random combines it per extension."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    messages: tuple[str, ...]
    companies: tuple[str, str]


@dataclass(frozen=True, slots=True)
class _Person:
    name: str
    number: str  # extension number
    phone: str  # E.164


@dataclass(frozen=True, slots=True)
class _Seed:
    """A user's seed presence, ready to go into an Extension (settings shared, never mutated)."""

    settings: PresenceSettings
    meeting_status: str | None
    call_states: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Shape:
    size: int
    non_users: int
    kinds: tuple[ExtensionType, ...]
    must_have: tuple[Plan, ...]
    id_prefix: int  # extension IDs of the account start with these digits


@dataclass(frozen=True, slots=True)
class _Office:
    """What the calls of one account's users are drawn from."""

    rng: random.Random
    pools: _Pools
    people: list[_Person]
    queue: _Person | None  # the call queue (first Department) that queue calls come through
    domain: str = "example.com"  # of the users' e-mail addresses
    emails: dict[str, int] = field(default_factory=dict)  # address -> times given

    def email(self, name: str) -> str:
        """first.last@domain, made unique with a number as a mail admin would (no draws)."""
        local = ".".join("".join(c for c in part if c.isalnum()) for part in name.lower().split())
        seen = self.emails[local] = self.emails.get(local, 0) + 1
        return f"{local}{seen if seen > 1 else ''}@{self.domain}"


def build_directory(seed: int = DEFAULT_SEED, extensions: int = DEFAULT_EXTENSIONS) -> Directory:
    """Two accounts: `extensions` in the first, 12 in the second, and the demo app."""
    _check_size(extensions)
    with _collector_paused():
        rng = random.Random(seed)
        pools = _pools(_faker(seed), rng)
        account_ids = [n * 1000 + 4 for n in rng.sample(range(1_000_000, 10_000_000), 2)]
        areas = rng.sample(_AREA_CODES, 2)
        shapes = (_main_shape(extensions), _Shape(12, 4, _SMALL_NON_USERS, _SMALL_OFFICE, 85))
        accounts = [
            _account(rng, pools, account_id, name, area, shape)
            for account_id, name, area, shape in zip(
                account_ids, pools.companies, areas, shapes, strict=True
            )
        ]
        return Directory(accounts, [DEMO_APP], REFERENCE_INSTANT.timestamp())


def seeded_before(directory: Directory, instant: float) -> Directory:
    """The generated `directory` with every seeded call started as long before `instant` as it
    was drawn before `REFERENCE_INSTANT` (a fixture's directory is returned as it is)."""
    if directory.drawn_before is None or directory.drawn_before == instant:
        return directory
    shift = instant - directory.drawn_before
    accounts = [
        Account(
            account.id,
            account.name,
            account.main_number,
            [_moved(ext, shift) for ext in account.extensions],
            account.communication_handling,
        )
        for account in directory.accounts
    ]
    return Directory(accounts, directory.apps, instant)


def _moved(ext: Extension, shift: float) -> Extension:
    if not ext.active_calls:
        return ext
    calls = tuple(
        {**call, "startTime": iso_millis(_epoch(call["startTime"]) + shift)}
        for call in ext.active_calls
    )
    return replace(ext, active_calls=calls)


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@contextmanager
def _collector_paused() -> Iterator[None]:
    # A large build allocates hundreds of thousands of acyclic containers; letting the cyclic
    # collector rescan them again and again while they pile up doubles the build time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_size(extensions: int) -> None:
    if not MIN_EXTENSIONS <= extensions <= MAX_EXTENSIONS:
        raise ValueError(
            f"extensions must be between {MIN_EXTENSIONS} and {MAX_EXTENSIONS}, got {extensions}: "
            f"the first account holds at least {MIN_USERS} users and one extension of each "
            "of the 9 non-user types"
        )


def _main_shape(size: int) -> _Shape:
    non_users = min(size // 4, size - MIN_USERS)  # about 75% users, never fewer than MIN_USERS
    return _Shape(size, non_users, _MAIN_NON_USERS, _OFFICE_AT_TEN, 62)


def _faker(seed: int) -> Faker:
    from faker import Faker  # imported here: a fixture-only start need not pay for it

    fake = Faker("en_US")
    fake.seed_instance(seed)
    return fake


def _pools(fake: Faker, rng: random.Random) -> _Pools:
    first = tuple(fake.first_name() for _ in range(400))
    last = tuple(fake.last_name() for _ in range(400))
    companies = (fake.company(), fake.company())
    while companies[1] == companies[0]:
        companies = (companies[0], fake.company())
    messages = tuple(
        _pick(rng, _MESSAGES).format(
            city=_pick(rng, _CITIES), day=_pick(rng, _DAYS), first=_pick(rng, first)
        )[:75]
        for _ in range(60)
    )
    return _Pools(first, last, messages, companies)


def _account(
    rng: random.Random, pools: _Pools, account_id: int, name: str, area: str, shape: _Shape
) -> Account:
    layout = _layout(shape)
    ids = _extension_ids(rng, shape.id_prefix, shape.size)
    # Decision DIR-5: the operator (the administrator, number 101, a User) has the
    # account's ID. Account IDs have 10 digits and the others 13, so it stays unique in the
    # directory, ends in 004 and is the smallest, keeping IDs increasing in listing order; it
    # replaces a drawn ID without a draw of its own, so every other value stays as it was.
    ids[0] = account_id
    numbers = [str(_FIRST_EXTENSION_NUMBER + i) for i in range(shape.size)]
    titles = _non_user_names(layout)
    main_number = f"+1{area}5550100"
    user_numbers = [numbers[i] for i, kind in enumerate(layout) if kind is USER]
    people = _people(rng, pools, area, user_numbers)
    domain = "".join(c for c in name.lower() if c.isalnum()) + ".example.com"
    office = _Office(rng, pools, people, _queue(layout, titles, numbers, main_number), domain)
    seeds = _seeds(rng, pools, len(people), shape.must_have)
    users = iter(range(len(people)))
    extensions = [
        _user(office, account_id, ids[i], next(users), seeds)
        if kind is USER
        else Extension(ids[i], account_id, numbers[i], kind, titles[i], settings=_NO_SETTINGS)
        for i, kind in enumerate(layout)
    ]
    return Account(account_id, name, main_number, _with_queues(account_id, extensions))


def _with_queues(account_id: int, extensions: list[Extension]) -> list[Extension]:
    """Every Department (a call queue) gets members; the first holds the administrator and
    every user a queue call rings (so a queue call always comes from one of the user's queues).

    Draws come from a Random of their own, seeded with the account ID, so adding queues left
    every other seeded value as it was.
    """
    rng = random.Random(account_id)
    users = [e for e in extensions if e.type is USER]
    queues = [i for i, e in enumerate(extensions) if e.type is ExtensionType.DEPARTMENT]
    for k, index in enumerate(queues):
        chosen = set(rng.sample(range(len(users)), min(len(users), 3 + _below(rng, 6))))
        if k == 0:
            chosen.add(0)  # the administrator: the demo login sees an agent view of its own
            chosen.update(i for i, u in enumerate(users) if _takes_queue_calls(u))
        members = tuple(
            QueueMember(users[i].id, accept_calls=_answers(k, users[i], i) or rng.random() >= 0.2)
            for i in sorted(chosen)
        )
        # Every third queue does not let its members change their own status (decision QUEUE-4).
        extensions[index] = replace(
            extensions[index], members=members, editable_member_status=k % 3 != 2
        )
    return extensions


def _answers(queue: int, user: Extension, index: int) -> bool:
    """In the first queue the administrator and whoever a queue call rings take its calls."""
    return queue == 0 and (index == 0 or _takes_queue_calls(user))


def _takes_queue_calls(user: Extension) -> bool:
    return any(call.get("queueCall") for call in user.active_calls)


def _people(rng: random.Random, pools: _Pools, area: str, numbers: Sequence[str]) -> list[_Person]:
    phones = _direct_numbers(rng, area, len(numbers))
    return [_Person(_full_name(rng, pools), n, p) for n, p in zip(numbers, phones, strict=True)]


def _queue(
    layout: Sequence[ExtensionType], titles: Sequence[str], numbers: Sequence[str], main: str
) -> _Person | None:
    """The first Department, which queue calls come through (Departments are call queues)."""
    for kind, title, number in zip(layout, titles, numbers, strict=True):
        if kind is ExtensionType.DEPARTMENT:
            return _Person(title, number, main)
    return None


def _layout(shape: _Shape) -> list[ExtensionType]:
    """Non-user extensions spread evenly among the users; the first extension is a user."""
    layout: list[ExtensionType] = []
    placed = 0
    for i in range(shape.size):
        if (i + 1) * shape.non_users // shape.size > placed:
            layout.append(shape.kinds[placed % len(shape.kinds)])
            placed += 1
        else:
            layout.append(USER)
    return layout


def _extension_ids(rng: random.Random, prefix: int, count: int) -> list[int]:
    """Increasing IDs with gaps, 12 digits ending in 004 like the platform's (62xxxxxxx004):
    9 to 12 digits (decision DIR-6); room for 100,000 gaps of up to 9 below the
    next prefix.

    The first is replaced by the account's ID (decision DIR-5, in `_account`)."""
    block = prefix * 10**7 + _below(rng, 10**6)
    ids = []
    for _ in range(count):
        block += 1 + _below(rng, 9)
        ids.append(block * 1000 + 4)
    return ids


def _non_user_names(layout: Sequence[ExtensionType]) -> list[str]:
    """Names for non-user slots ("Sales Department", "Park Location 2"); "" for user slots."""
    seen: dict[ExtensionType, int] = {}
    names = []
    for kind in layout:
        if kind is USER:
            names.append("")
            continue
        k = seen[kind] = seen.get(kind, -1) + 1
        choices = _NON_USER_NAMES.get(kind)
        if choices is None:
            names.append(f"Park Location {k + 1}")
        else:
            suffix = f" {k // len(choices) + 1}" if k >= len(choices) else ""
            names.append(choices[k % len(choices)] + suffix)
    return names


def _direct_numbers(rng: random.Random, area: str, count: int) -> list[str]:
    """Unique E.164 direct numbers in blocks of one area code, as a carrier assigns them."""
    line = 1000 + _below(rng, 4000)
    exchanges = rng.sample(_EXCHANGES, (line + 3 * count) // 10_000 + 1)
    numbers = []
    for _ in range(count):
        numbers.append(f"+1{area}{exchanges[line // 10_000]}{line % 10_000:04d}")
        line += 1 + _below(rng, 3)
    return numbers


def _below(rng: random.Random, n: int) -> int:
    """A number in range(n) from one C-level draw: several times faster than randrange."""
    return int(rng.random() * n)


def _pick(rng: random.Random, values: Sequence[Any]) -> Any:
    return values[int(rng.random() * len(values))]


def _full_name(rng: random.Random, pools: _Pools) -> str:
    return f"{_pick(rng, pools.first_names)} {_pick(rng, pools.last_names)}"


def _seeds(rng: random.Random, pools: _Pools, count: int, must_have: Sequence[Plan]) -> list[_Seed]:
    """Seeds for `count` users: the first is the admin, each of `must_have` lands on another.

    Up to _PLAN_POOL users get a plan each; beyond that users draw from those plans, which keeps
    a 100,000-extension build fast and its settings dicts few.
    """
    shared: dict[Any, PresenceSettings] = {}
    plans = [_random_plan(rng, pools) for _ in range(min(count, _PLAN_POOL))]
    pool = [_seed(plan, shared) for plan in plans]
    chosen = [i if i < len(pool) else _below(rng, len(pool)) for i in range(count)]
    seeds = [pool[k] for k in chosen]
    special = [0, *rng.sample(range(1, count), len(must_have))]
    for index, overlay in zip(special, (_ADMIN_PLAN, *must_have), strict=True):
        plan = {**plans[chosen[index]], **overlay}
        if plan["calls"] and plan["meetingStatus"] == "Connected":
            plan["meetingStatus"] = "Disconnected"  # on the phone, so not in a meeting
        seeds[index] = _seed(plan, shared)
    return seeds


def _random_plan(rng: random.Random, pools: _Pools) -> Plan:
    status = _USER_STATUS.pick(rng)
    on_call = status != "Offline" and rng.random() < 0.3
    plan: Plan = {
        "userStatus": status,
        "dndStatus": _DND.pick(rng),
        "message": _pick(rng, pools.messages) if rng.random() < 0.2 else "",
        "allowSeeMyPresence": rng.random() >= 0.05,
        "callerIdVisibility": _CALLER_ID.pick(rng),
        "ringOnMonitoredCall": rng.random() < 0.12,
        "pickUpCallsOnHold": rng.random() < 0.1,
        "acceptCallQueueCalls": rng.random() < 0.35,
        "calls": _CALL_STATES.pick(rng) if on_call else (),
        "meetingStatus": "Disconnected" if on_call or status == "Offline" else _MEETING.pick(rng),
    }
    # Drawn for the sequence's sake only: seeded accounts are legacy and drop both (decision
    # PRES-4).
    if rng.random() < 0.15:
        personal = plan["dndStatus"] == "DoNotAcceptAnyCalls"
        plan["dndStatusPersonal"] = "DoNotAcceptAnyCalls" if personal else "TakeAllCalls"
    return plan


def _seed(plan: Plan, shared: dict[Any, PresenceSettings]) -> _Seed:
    # Seeded accounts are legacy (decision PRES-4): the plan's dndStatusPersonal and
    # acceptCallQueueCalls are still drawn, so every other draw stays as it was, but not kept.
    settings = interned_settings(shared, plan, LEGACY_WRITABLE_FIELDS)
    return _Seed(settings, plan["meetingStatus"], plan["calls"])


def _user(
    office: _Office, account_id: int, extension_id: int, index: int, seeds: Sequence[_Seed]
) -> Extension:
    me, seed = office.people[index], seeds[index]
    return Extension(
        id=extension_id,
        account_id=account_id,
        number=me.number,
        type=USER,
        name=me.name,
        admin=index == 0,
        phone_number=me.phone,
        settings=seed.settings,
        meeting_status=seed.meeting_status,
        active_calls=tuple(_call(office, index, state) for state in seed.call_states),
        email=office.email(me.name),
    )


def _call(office: _Office, index: int, state: str) -> ActiveCall:
    """One believable ActiveCallInfo of user `index`, in wire shape with sipData."""
    rng, me = office.rng, office.people[index]
    inbound = rng.random() < (0.9 if state == "Ringing" else 0.55)
    queue = office.queue if inbound and rng.random() < 0.2 else None
    mine, theirs = _parties(office, index, internal=queue is None and rng.random() < 0.25)
    if queue is not None:
        mine = (queue.number, queue.name)
    caller, callee = (theirs, mine) if inbound else (mine, theirs)
    session = f"{rng.getrandbits(128):032x}"
    low, high = _CALL_AGE[state]
    session_id = str(10**11 + _below(rng, 9 * 10**11))
    call: ActiveCall = {
        "id": f"{rng.getrandbits(128):032x}",
        "direction": "Inbound" if inbound else "Outbound",
        "queueCall": queue is not None,
        "from": caller[0],
        "fromName": caller[1],
        "to": callee[0],
        "toName": callee[1],
        "startTime": iso_millis(
            (_REFERENCE_MS - low * 1000 - _below(rng, (high - low) * 1000)) / 1000
        ),
        "telephonyStatus": state,
        "sessionId": session_id,
        "telephonySessionId": f"s-{session}",
        "partyId": f"p-{session}-{2 if inbound else 1}",
        "sipData": _sip_data(rng, session_id, me.phone, theirs[0]),
    }
    if queue is not None:
        call["callInfo"] = {
            "primary": {"type": "QueueName", "value": queue.name},
            "additional": {"type": "CallerIdNumber", "value": theirs[0]},
        }
    return call


def _parties(
    office: _Office, index: int, internal: bool
) -> tuple[tuple[str, str], tuple[str, str]]:
    """(number, name) of the user and of the other party: a colleague or an outsider."""
    rng, me, people = office.rng, office.people[index], office.people
    if internal:
        other = people[(index + 1 + _below(rng, len(people) - 1)) % len(people)]
        return (me.number, me.name), (other.number, other.name)
    # 555-01xx numbers are reserved for fiction; some callers show only a caller-ID place.
    number = f"+1{_pick(rng, _AREA_CODES)}55501{_below(rng, 100):02d}"
    name = _pick(rng, _CALLER_IDS) if rng.random() < 0.15 else _full_name(rng, office.pools)
    return (me.phone, me.name), (number, name)


def _sip_data(rng: random.Random, session_id: str, local: str, remote: str) -> dict[str, str]:
    call_id = f"{rng.getrandbits(128):032x}"
    host = f"10.{12 + _below(rng, 4)}.{_below(rng, 256)}.{1 + _below(rng, 254)}"
    return {
        "callId": f"{call_id[:8]}-{call_id[8:12]}-{call_id[12:16]}-{call_id[16:20]}-{call_id[20:]}",
        "toTag": f"{rng.getrandbits(40):010x}",
        "fromTag": f"{host}-5070-{rng.getrandbits(56):014x}",
        "remoteUri": f"sip:{remote}@{_SIP_DOMAIN}",
        "localUri": f"sip:{local}@{_SIP_DOMAIN}",
        "rcSessionId": session_id,
    }


def main() -> None:
    """Print the default directory as fixture JSON (how default-account.json is regenerated)."""
    from mockserver.directory.fixtures import directory_to_dict

    json.dump(directory_to_dict(build_directory()), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
