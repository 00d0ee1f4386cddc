"""office-day started at run time (decisions CALL-21, CALL-22, BOARD-13): `POST /_mock/activity`
makes the office move on any `serve` (no `--activity`), DELETE and reset stop it, and with two
replicas on one Redis exactly one player plays the day (telephony/player.py)."""

from __future__ import annotations

import time

from mockserver.inprocess import PresenceMock
from mockserver.telephony.player import Player
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name


def test_one_player_of_two_plays_the_day_and_another_takes_over_when_it_dies() -> None:
    wall = [1000.0]
    with PresenceMock() as mock:
        engine = mock.emulator.telephony
        one, two = (Player(engine, owner=o, wall=lambda: wall[0]) for o in ("one", "two"))
        engine.start_activity("office-day", 500.0, 7)

        def play(seconds: float, *players: Player) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                for player in players:
                    player.tick()
                time.sleep(0.02)

        play(1.5, one, two)
        assert one.steps > 0 and two.steps == 0
        progress = engine.player()
        assert progress is not None
        assert {k: progress[k] for k in ("owner", "run", "steps", "placed")} == {
            "owner": "one",
            "run": engine.activity()["run"],  # type: ignore[index]
            "steps": one.steps,
            "placed": one.placed,
        }
        wall[0] += 10  # "one" stopped renewing (its process died): the lease runs out
        played = one.steps
        play(1.5, two, one)
        assert two.steps > 0 and one.steps == played  # "two" holds it now; "one" stands by
        engine.stop_activity()
        before = two.steps
        play(0.5, two, one)
        assert two.steps == before and engine.player() is None


def test_the_progress_says_the_steps_the_calls_now_and_the_next_step() -> None:
    with PresenceMock() as mock:
        mock.emulator.clock.freeze()
        engine = mock.emulator.telephony
        player = Player(engine, owner="one")
        engine.start_activity("office-day", 10.0, 20261121)
        player.tick()  # the day begins: nothing played yet, the first step announced
        first = engine.player()
        assert first is not None and first["steps"] == 0 and first["placed"] == 0
        seeded = len(engine.sessions(engine.account()))
        assert first["calls"] == seeded  # the seed's calls are in progress already
        upcoming = player.playback.upcoming  # type: ignore[union-attr]
        assert upcoming is not None and first["next"]["action"] == upcoming.action
        assert first["next"]["at"] > engine.activity()["since"]  # type: ignore[index]
        mock.emulator.clock.advance(20)
        player.tick()
        later = engine.player()
        assert later is not None and later["steps"] > 5 and later["placed"] > 0
        assert later["calls"] == len(engine.sessions(engine.account()))
        assert later["next"]["at"] > first["next"]["at"]
