"""The emulator's sense of time, movable so tests can expire tokens without sleeping.

The clock lives in the store, so `POST /_mock/clock` moves (or freezes) time for every worker and
replica that shares it, not only for the process that answered. Its record is
{"seconds": offset from the wall clock, "frozenAt": the emulator time it stands still at, if
frozen}. Every shift is bounded (MAX_SHIFT): a clock pushed towards infinity would make every
later expiry time unusable, on a file store even across restarts (docs/decisions.md).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from mockserver.errors import InvalidParameter
from mockserver.storage.outage import is_outage

if TYPE_CHECKING:
    from mockserver.storage import Record, Records
    from mockserver.storage.base import Counters

# Where the clock is kept: absent until it is first moved.
OFFSET_KEY = ("clock", "offset")
# When the store's office was first served: taken once, kept by resets (decision CALL-81).
FIRST_SERVED_KEY = ("clock", "first-served")
# Ten years either way: far beyond any token, code or rate-limit window (30 days at most).
MAX_SHIFT = 10 * 365 * 24 * 3600.0


class ClockRangeError(InvalidParameter):
    """A shift the clock refuses: the message says the range."""

    def __init__(self, parameter: str) -> None:
        super().__init__(
            parameter,
            message=f"Parameter [{parameter}] value is invalid: the emulator's clock moves at most "
            f"{MAX_SHIFT:.0f} seconds (10 years) from real time.",
        )


class Clock:
    def __init__(self, store: Records) -> None:
        self._store = store
        # The record last read (in a tuple: None is a record too), for a store that is down.
        self._last: tuple[Record | None] | None = None

    def _read(self) -> Record | None:
        """The clock's record; while the store cannot be reached, the one read last (so a
        gateway's open sockets keep their time), or the error if none was read yet."""
        try:
            found = self._store.get(*OFFSET_KEY)
        except Exception as error:
            if self._last is None or not is_outage(error):
                raise
            return self._last[0]
        self._last = (found,)
        return found

    @property
    def offset(self) -> float:
        """How far the emulator's time is from the wall clock now (frozen or not)."""
        found = self._read()
        frozen = _frozen_at(found) if found else None
        return offset_of(found) if frozen is None else frozen - time.time()

    @offset.setter
    def offset(self, seconds: float) -> None:
        self.set_offset(seconds)

    @property
    def frozen(self) -> bool:
        found = self._read()
        return bool(found and _frozen_at(found) is not None)

    def now(self) -> float:
        return now_at(self._read())

    def advance(self, seconds: float) -> None:
        """Forward by `seconds` (>= 0); a frozen clock stays frozen, at the later instant."""
        self.change(advance=seconds)

    def set_offset(self, seconds: float) -> None:
        """The emulator's time becomes wall clock + `seconds` (a frozen clock stands there)."""
        self.change(offset=seconds)

    def freeze(self) -> None:
        """Stand still at the emulator's present time until unfrozen (for every worker)."""
        self.change(freeze=True)

    def unfreeze(self) -> None:
        """Tick again from where the clock stands: no jump by the time spent frozen."""
        self.change(freeze=False)

    def change(
        self,
        *,
        offset: float | None = None,
        advance: float | None = None,
        freeze: bool | None = None,
    ) -> None:
        """Set the offset, then advance, then freeze or unfreeze, in one write: a value out of
        range raises ClockRangeError naming it, and then nothing has changed."""
        if advance is not None and not 0 <= advance <= MAX_SHIFT:
            raise ClockRangeError("advance")
        wall = time.time()
        found = self._read()
        frozen_at = _frozen_at(found) if found else None
        # Work in emulator time: where it stands now, and whether it stands still.
        instant = frozen_at if frozen_at is not None else wall + offset_of(found)
        if offset is not None:
            _check(offset, "offset")  # before the sum: a 400-digit int overflows a float
            instant = wall + offset
        if advance is not None:
            instant += advance
            _check(instant - wall, "advance")
        still = frozen_at is not None if freeze is None else freeze
        record: Record = {"seconds": instant - wall}
        if still:
            record["frozenAt"] = instant
        self._store.put(*OFFSET_KEY, record)

    def reset(self) -> None:
        """Real time again: no offset, not frozen (a record, so it works alike on every store)."""
        self._store.put(*OFFSET_KEY, {"seconds": 0.0})


def _check(offset: float, parameter: str) -> None:
    # The bound first: it compares a huge int exactly, where math.isfinite would overflow.
    if not (abs(offset) <= MAX_SHIFT and math.isfinite(offset)):
        raise ClockRangeError(parameter)


def offset_of(found: Record | None) -> float:
    """The offset in a record read at OFFSET_KEY; one out of range (written by a build before the
    bounds) reads as none, so it cannot break every login."""
    seconds = float(found["seconds"]) if found else 0.0
    return seconds if math.isfinite(seconds) and abs(seconds) <= MAX_SHIFT else 0.0


def _frozen_at(found: Record) -> float | None:
    frozen = found.get("frozenAt")
    return float(frozen) if isinstance(frozen, int | float) and math.isfinite(frozen) else None


def now_at(found: Record | None) -> float:
    """The emulator's time, given the record at OFFSET_KEY (an API request reads it together
    with its token, in one store round trip)."""
    if found:
        frozen = _frozen_at(found)
        if frozen is not None:
            return frozen
    return time.time() + offset_of(found)


def first_served(store: Counters, now: float) -> float:
    """The emulator time this store's office was first served: `now` for the first process to
    ask, the same instant for every later one (a counter's window, opened atomically and never
    closed); a reset keeps it. The seed's calls started before it (decision CALL-81)."""
    return store.increment(*FIRST_SERVED_KEY, now, 4 * MAX_SHIFT).start
