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
        assert engine.player() == {
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
