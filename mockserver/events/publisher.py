"""The publisher: turns `PresenceService.changed(ids)` into logged changes (decision EVT-1).

For each extension it reads the presence as its owner would (detailed, with SIP data), cuts the
event state from it, and asks the log to append it: the store compares it with the last state
published and, only if something changed, bumps the extension's `sequence` and logs it, in one
atomic step for every worker and replica (an event fires only when the body changed:
docs/contract.md#event-bodies).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from mockserver.directory.model import Directory, Extension
from mockserver.events.bodies import state_of
from mockserver.events.explain_journal import ExplainJournal, unchanged_entry
from mockserver.events.log import EventLog, LoggedChange
from mockserver.platform.clock import Clock
from mockserver.platform.tokens import Caller
from mockserver.presence.service import PresenceService
from mockserver.presence.wire import View, offline_record, presence_record

FULL = View(detailed=True, sip=True)
# A write that changed nothing is said once a second at most per extension and process while the
# log stands still (a client that PUTs the same status in a loop costs no store write each).
SAID_FOR = 1.0
SAID_KEPT = 10_000  # extensions remembered before the memory starts again


class Publisher:
    def __init__(
        self,
        presence: PresenceService,
        log: EventLog,
        clock: Clock,
        explained: ExplainJournal | None = None,
    ) -> None:
        self.presence = presence
        self.explained = explained  # where a change that changed nothing is said (explain.md)
        self._said: dict[int, tuple[int, float]] = {}  # extension -> (log position, monotonic)
        self.directory: Directory = presence.directory
        self.log = log
        self.clock = clock

    def presence_changed(self, extension_ids: Sequence[int]) -> None:
        self.publish(extension_ids)

    def publish(self, extension_ids: Sequence[int]) -> list[LoggedChange]:
        """Log what changed of these extensions; the logged changes, in order."""
        logged: list[LoggedChange] = []
        unchanged: list[Extension] = []
        now = self.clock.now()
        for extension_id in dict.fromkeys(extension_ids):  # once each, in the order given
            ext = self.directory.extension(extension_id)
            if ext is None:
                continue
            state = self.state(ext, now)
            found = self.log.append(ext.id, ext.account_id, state, self.baseline(ext), now)
            if found is not None:
                logged.append(found)
            else:
                unchanged.append(ext)
        if unchanged and self.explained is not None:
            self._say_unchanged(unchanged, now)
        return logged

    def _say_unchanged(self, unchanged: list[Extension], now: float) -> None:
        assert self.explained is not None
        after, clock = self.log.last(), time.monotonic()
        fresh = []
        for ext in unchanged:
            said = self._said.get(ext.id)
            if said is None or said[0] != after or clock - said[1] >= SAID_FOR:
                fresh.append(ext)
        if len(self._said) > SAID_KEPT:
            self._said.clear()
        self._said.update((ext.id, (after, clock)) for ext in fresh)
        self.explained.record([unchanged_entry(e.id, e.account_id, now, after) for e in fresh])

    def forget_said(self) -> None:
        """The journal was emptied (a reset): say the next write that changes nothing again."""
        self._said.clear()

    def state(self, ext: Extension, now: float) -> dict[str, object]:
        """The extension's event state now, read as its owner (who always sees it) reads it."""
        owner = Caller(ext.account_id, ext.id, "", True, frozenset(), now)
        record = self.presence.record("", owner, ext, self.presence.states([ext]), FULL)
        return state_of(record)

    @staticmethod
    def baseline(ext: Extension) -> dict[str, object]:
        """The seed's state: what a first change is compared with (the seed never changes, so
        each extension's is made once; readers only compare it)."""
        kept = _baselines.get(ext.id)
        if kept is not None and kept[0] is ext:
            return kept[1]
        if not ext.type.is_user:
            made = state_of(offline_record("", ext))
        else:
            made = state_of(presence_record("", ext, ext.settings, FULL))
        if len(_baselines) >= BASELINES_KEPT:
            _baselines.clear()
        _baselines[ext.id] = (ext, made)
        return made


BASELINES_KEPT = 10_000
_baselines: dict[int, tuple[Extension, dict[str, object]]] = {}
