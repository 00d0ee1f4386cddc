"""office-day: a reproducible timeline at a rate for the account's size, served by
`serve --activity`, stopped by a reset, and faithful under the contract kit while it runs."""

from __future__ import annotations

import itertools
from collections import Counter

from mockserver.config import DEFAULT_ACTIVITY_RATE
from mockserver.directory.builder import DEFAULT_SEED, build_directory
from mockserver.inprocess import PresenceMock
from mockserver.telephony.activity import office_day
from mockserver.telephony.scenario import EngineDriver, Playback


def _first(seed: int, count: int, extensions: int = 60, rate: float = 1.0) -> list[tuple]:
    account = build_directory(DEFAULT_SEED, extensions).accounts[0]
    steps = office_day(account, seed, rate).steps
    return [(s.at, s.action, tuple(sorted(s.args.items()))) for s in itertools.islice(steps, count)]


def _hour(extensions: int, rate: float = 1.0) -> int:
    account = build_directory(DEFAULT_SEED, extensions).accounts[0]
    steps = office_day(account, 7, rate).steps
    return sum(1 for _ in itertools.takewhile(lambda s: s.at < 3600, steps))


def test_the_same_seed_plans_the_same_day_and_another_seed_another() -> None:
    assert _first(1, 300) == _first(1, 300)
    assert _first(1, 300) != _first(2, 300)
    assert [at for at, _, _ in _first(1, 300)] == sorted(at for at, _, _ in _first(1, 300))


def test_the_rate_follows_the_account_size_and_the_knob() -> None:
    small, large = _hour(60, 0.25), _hour(240, 0.25)
    assert 3 < large / small < 6  # about four times the users (180 against 45)
    # Twice the rate, nearly twice the steps (busier users are rung less often).
    assert 1.5 < _hour(60, 0.5) / small < 2.6


def test_an_hour_of_the_office_plays_with_few_refusals_and_every_kind_of_step() -> None:
    with PresenceMock() as mock:
        mock.emulator.clock.freeze()
        account = mock.emulator.directory.accounts[0]
        playback = Playback(
            office_day(account, DEFAULT_SEED),
            EngineDriver(mock.emulator.telephony),
            strict=False,
            keep=10_000,
        )
        playback.advance(3600)
    kinds = Counter(o.step.action for o in playback.outcomes)
    assert set(kinds) >= {
        "ring",
        "queue-call",
        "answer",
        "hold",
        "unhold",
        "end",
        "transfer",
        "park",
        "pickup",
        "meeting-start",
        "meeting-end",
        "presence",
    }
    refused = sum(1 for o in playback.outcomes if o.refused)
    assert refused < len(playback.outcomes) * 0.1


def _telephony_moved(rate: float, seconds: float) -> set[int]:
    """The extensions whose telephonyStatus changed in the first `seconds` of a day at `rate`,
    on the default account and a frozen clock, as the event log shows them."""
    with PresenceMock() as mock:
        mock.emulator.clock.freeze()
        account = mock.emulator.directory.accounts[0]
        playback = Playback(
            office_day(account, DEFAULT_SEED, rate),
            EngineDriver(mock.emulator.telephony),
            strict=False,
            keep=10_000,
        )
        playback.advance(seconds)
        changes = mock.emulator.events.log.after(0, 10_000)
    return {
        c.extension_id
        for c in changes
        if c.body.get("telephonyStatus") != c.previous.get("telephonyStatus")
    }


def test_the_default_pace_moves_several_users_telephony_within_forty_seconds() -> None:
    # At the realistic pace the default account's first minute is nearly still (a call every
    # ten seconds or so); the default pace is ten times that.
    assert DEFAULT_ACTIVITY_RATE == 10.0
    assert len(_telephony_moved(DEFAULT_ACTIVITY_RATE, 40)) >= 15
    assert len(_telephony_moved(1.0, 40)) < 8


def test_something_happens_within_a_few_seconds_at_the_default_pace() -> None:
    account = build_directory(DEFAULT_SEED, 60).accounts[0]
    for seed in range(1, 21):
        first = next(iter(office_day(account, seed, DEFAULT_ACTIVITY_RATE).steps))
        assert first.at < 8, seed  # nothing moved for 8 s at the old default


def test_the_pace_plays_the_same_day_sooner() -> None:
    realistic, lively = _first(5, 200), _first(5, 200, rate=10)
    assert [(action, args) for _, action, args in realistic] == [
        (action, args) for _, action, args in lively
    ]
    for (slow, _, _), (fast, _, _) in zip(realistic, lively, strict=True):
        assert abs(slow / 10 - fast) < 0.002
