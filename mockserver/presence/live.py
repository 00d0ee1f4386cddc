"""Live telephony: the calls and meeting status an extension has now (decision CALL-1).

The seed (`Extension.active_calls`, `Extension.meeting_status`) is where every extension starts.
Once a simulated call or meeting touches an extension, its state lives in the store, in the
same per-extension overrides record as the PUT-set fields, under reserved keys no wire field
can have (they start with `~`). So the single-extension GET still costs one store read, every
worker and replica sees the same calls, and a reset (which forgets overrides) restores the seed.
These keys never reach `settings` or the wire: `split` takes them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, cast

from mockserver.directory.model import ActiveCall, Extension, PresenceSettings

CALLS_KEY = "~activeCalls"
MEETING_KEY = "~meetingStatus"
RESERVED = (CALLS_KEY, MEETING_KEY)


class Telephony(NamedTuple):
    """What an extension's calls and meetings read now."""

    calls: tuple[ActiveCall, ...]
    meeting: str | None


def telephony(ext: Extension, overrides: Mapping[str, Any] | None) -> Telephony:
    """The live state from an extension's overrides, or its seed where nothing was simulated."""
    if not overrides:
        return Telephony(ext.active_calls, ext.meeting_status)
    calls = overrides.get(CALLS_KEY)
    return Telephony(
        ext.active_calls if calls is None else tuple(calls),
        overrides.get(MEETING_KEY, ext.meeting_status),
    )


class State(NamedTuple):
    """What one extension's presence is read from: its settings, and its live telephony (None:
    the seed's, as for most extensions of a page: nothing is built for them)."""

    settings: PresenceSettings
    telephony: Telephony | None

    def live(self, ext: Extension) -> Telephony:
        return self.telephony or Telephony(ext.active_calls, ext.meeting_status)


def split(ext: Extension, overrides: Mapping[str, Any] | None) -> State:
    """Seed settings with the PUT-set fields laid over them (the seed's own mapping, shared and
    never changed, when there are none), and the live telephony."""
    if not overrides:
        return State(ext.settings, None)
    live = telephony(ext, overrides)
    if CALLS_KEY in overrides or MEETING_KEY in overrides:
        overrides = {k: v for k, v in overrides.items() if k not in RESERVED}
    return State(cast(PresenceSettings, {**ext.settings, **overrides}), live)
