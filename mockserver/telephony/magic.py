"""Magic numbers: outside numbers whose simulated calls end in a fixed way, whoever places them
(`call ring`, a scenario, the board, `PresenceMock.calls`, POST /_mock/calls).

The sandbox cannot make a call end busy or go unanswered on demand; test sandboxes of other
telephony providers reserve numbers for that, and so does the emulator (docs/magic-numbers.md,
decisions MAGIC-1 to MAGIC-7). The numbers are in area code 555, which the North American
Numbering Plan does not assign, so none of them can be a real caller.

A call to or from one gets a plan: timed steps on the emulator's clock, kept in the session
record (so every worker and replica sees it) and played by the call timer (call_timer.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypedDict

from mockserver.errors import InvalidParameter

RING_SECONDS: Final = 20.0  # how long an unanswered call rings (four rings of five seconds)
VOICEMAIL_SECONDS: Final = 15.0  # how long a caller stays on voicemail, leaving a message
ABANDON_SECONDS: Final = 5.0  # how long a caller who gives up lets it ring
QUEUE_AFTER_SECONDS: Final = 10.0  # how long the user's phone rings before the queue takes it


class PlanStep(TypedDict):
    """One timed step of a session's plan: at `at` (the emulator's clock, seconds), `do`."""

    at: float
    do: str  # answer | give-up | end | voicemail | to-queue (call_engine.py plays them)


@dataclass(frozen=True, slots=True)
class Outcome:
    number: str
    name: str
    help: str
    inbound: tuple[tuple[float, str], ...]  # (seconds after the call starts, step)
    outbound: tuple[tuple[float, str], ...] | None  # None: only a caller can have this number


OUTCOMES: Final = (
    Outcome(
        "+15550100001",
        "busy",
        "the called side is busy: the call ends as soon as it is placed",
        ((0.0, "end"),),
        ((0.0, "end"),),
    ),
    Outcome(
        "+15550100002",
        "no answer",
        f"rings for {RING_SECONDS:.0f} seconds, nobody answers, the call ends",
        ((RING_SECONDS, "give-up"),),
        ((RING_SECONDS, "give-up"),),
    ),
    Outcome(
        "+15550100003",
        "voicemail",
        f"rings for {RING_SECONDS:.0f} seconds, then voicemail answers: an extension that was "
        f"called stops ringing, one that called is connected; {VOICEMAIL_SECONDS:.0f} seconds "
        "later the message is left and the call ends",
        ((RING_SECONDS, "voicemail"),),
        ((RING_SECONDS, "voicemail"),),
    ),
    Outcome(
        "+15550100004",
        "hang up while ringing",
        f"the outside side hangs up {ABANDON_SECONDS:.0f} seconds after the call started, "
        "before anyone answered",
        ((ABANDON_SECONDS, "give-up"),),
        ((ABANDON_SECONDS, "give-up"),),
    ),
    Outcome(
        "+15550100005",
        "transfer to a queue",
        f"a caller only: the user's phone rings for {QUEUE_AFTER_SECONDS:.0f} seconds, then the "
        "call goes to the account's first call queue and rings its members",
        ((QUEUE_AFTER_SECONDS, "to-queue"),),
        None,
    ),
    Outcome(
        "+15550100010",
        "answered at once",
        "the called side answers as soon as the call is placed",
        ((0.0, "answer"),),
        ((0.0, "answer"),),
    ),
    Outcome(
        "+15550100013",
        "answered after 3 s",
        "rings, then the called side answers 3 seconds after the call started",
        ((3.0, "answer"),),
        ((3.0, "answer"),),
    ),
    Outcome(
        "+15550100020",
        "answered after 10 s",
        "rings, then the called side answers 10 seconds after the call started",
        ((10.0, "answer"),),
        ((10.0, "answer"),),
    ),
    Outcome(
        "+15550100030",
        "answered after 30 s",
        "rings, then the called side answers 30 seconds after the call started",
        ((30.0, "answer"),),
        ((30.0, "answer"),),
    ),
)
BY_NUMBER: Final = {outcome.number: outcome for outcome in OUTCOMES}


def plan(caller: str, callee: str, now: float) -> list[PlanStep]:
    """The timed steps of a call from `caller` to `callee` placed at `now` ([] when neither
    is a magic number). A call from one is inbound: the outside caller's outcome plays; a
    call to one is outbound: the called number's outcome plays."""
    inbound = BY_NUMBER.get(caller)
    if inbound is not None:
        return [PlanStep(at=now + delay, do=step) for delay, step in inbound.inbound]
    outbound = BY_NUMBER.get(callee)
    if outbound is None:
        return []
    if outbound.outbound is None:
        raise InvalidParameter(
            "to",
            message=f"Parameter [to] value is invalid: {callee} ({outbound.name}) "
            "can only call, not be called.",
        )
    return [PlanStep(at=now + delay, do=step) for delay, step in outbound.outbound]


def table() -> list[dict[str, str]]:
    """The numbers as GET /_mock/calls/magic-numbers lists them."""
    return [
        {"number": outcome.number, "name": outcome.name, "description": outcome.help}
        for outcome in OUTCOMES
    ]
