"""The office-day player: plays the background activity `POST /_mock/activity` asks for, on the
call engine directly, in a thread of a process that lives as long as the server (the gateway
process of `serve`; a thread of `flask run`): decisions CALL-21, CALL-22, BOARD-13.

Exactly one player plays a day, across the workers and the replicas sharing a store: a player
plays only while it holds the store's lease `telephony-activity` (`Leases.lease`, atomic on every
backend, on the wall clock, kept every `LEASE_SECONDS / 3` while it plays, checked before every
step); a player that dies stops renewing it and another takes the day over
after `LEASE_SECONDS` (from the moment it takes over: the steps of the dead player's calls are
not replayed). The activity record (call_engine.py, `ACTIVITY_KEY`) says what to play: a new `run`
starts the day over, no record (DELETE, reset) stops it before its next step.
The lease holder keeps its progress under `PLAYER_KEY` (shown by `GET /_mock/activity` and the
board's progress panel): the steps played, the calls placed, the calls in progress in the account
and the next step (decision BOARD-40).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from mockserver.storage.outage import Outage
from mockserver.telephony.activity import office_day
from mockserver.telephony.call_engine import NAMESPACE, PLAYER_KEY, CallEngine
from mockserver.telephony.kept_lease import KeptLease, default_owner
from mockserver.telephony.scenario import PLACING, EngineDriver, Playback
from mockserver.timestamps import iso_millis

log = logging.getLogger("presence_mock")
LEASE = "telephony-activity"
LEASE_SECONDS = 5.0
POLL = 0.25  # seconds between two looks at the activity record
KEPT = 100  # outcomes an endless play keeps


class _RunDriver(EngineDriver):
    """The engine driver of one run: a step is played only while the run is still asked for
    (a DELETE or a reset between two steps stops the day before its next step)."""

    def __init__(
        self, engine: CallEngine, account: str, run: str, holding: Callable[[], bool]
    ) -> None:
        super().__init__(engine, account)
        self.run = run
        self.holding = holding

    def perform(self, action: str, args: Any, session: str | None) -> Any:
        record = self.engine.activity()
        if record is None or record.get("run") != self.run or not self.holding():
            raise _Stopped
        return super().perform(action, args, session)


class _Stopped(Exception):
    pass


def _who(args: dict[str, Any]) -> dict[str, str]:
    """Whom a step names (for the board's "next" line): its extension or numbers."""
    named = ("user", "by", "from", "to", "queue")
    return {name: str(args[name]) for name in named if name in args}


class Player:
    def __init__(
        self,
        engine: CallEngine,
        owner: str | None = None,
        poll: float = POLL,
        lease_seconds: float = LEASE_SECONDS,
        wall: Callable[[], float] = time.time,
        outage: Outage | None = None,
    ) -> None:
        self.engine = engine
        self.outage = outage or Outage(engine.store.last_event_position)  # said once
        self.owner = owner or default_owner()
        self.poll = poll
        self.lease = KeptLease(engine.store, LEASE, self.owner, lease_seconds, wall)
        self.playback: Playback | None = None
        self.run_id: str | None = None
        self.steps = 0
        self.placed = 0

    def holding(self) -> bool:
        """Whether this player holds the day's lease: taken or kept once a third of it has gone
        by (a long burst of due steps keeps it too, step by step)."""
        return self.lease.holding()

    def tick(self) -> float:
        """Play what is due if this player holds the day; the seconds until the next look."""
        record = self.engine.activity()
        if record is None:
            self.playback = self.run_id = None
            return self.poll
        if not self.holding():
            self.playback = self.run_id = None  # another player plays this day
            return self.poll
        if self.playback is None or record.get("run") != self.run_id:
            self._begin(record)
        assert self.playback is not None
        try:
            played = self.playback.due()
        except _Stopped:
            self.playback = self.run_id = None
            return 0.0
        if played:
            self.steps += len(played)
            self.placed += sum(1 for o in played if o.refused is None and o.step.action in PLACING)
            self._report()
        upcoming = self.playback.next_time()
        if upcoming is None:
            return self.poll
        return max(0.0, min(self.poll, upcoming - self.engine.clock.now()))

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                wait = self.tick()
            except Exception as error:  # a store hiccup must not end the office's day for good
                self.outage.report(error, "presence-mock activity player: a step failed")
                wait = self.poll
            stop.wait(wait)

    def _report(self) -> None:
        """Write the day's progress for `GET /_mock/activity` (and so the board)."""
        assert self.playback is not None
        account = self.engine.account(self.playback.scenario.account)
        progress: dict[str, Any] = {
            "owner": self.owner,
            "run": self.run_id,
            "steps": self.steps,
            "placed": self.placed,
            "calls": len(self.engine.sessions(account)),
        }
        step, at = self.playback.upcoming, self.playback.next_time()
        if step is not None and at is not None:
            progress["next"] = {"action": step.action, "at": iso_millis(at), **_who(step.args)}
        self.engine.store.put(NAMESPACE, PLAYER_KEY, progress)

    def _begin(self, record: dict[str, Any]) -> None:
        account = self.engine.account(record.get("accountId"))
        run = str(record.get("run"))
        scenario = office_day(account, int(record["seed"]), float(record["rate"]))
        driver = _RunDriver(self.engine, str(account.id), run, self.holding)
        self.playback = Playback(scenario, driver, strict=False, keep=KEPT)
        self.run_id = run
        self.steps = self.placed = 0
        self._report()
        log.info("presence-mock activity: %s played here (%s)", record.get("name"), self.owner)
