"""The seam between what changes presence and what reports it.

Everything that changes what an extension's presence reads (a PUT, call-queue and unified
presence, simulated calls and meetings, a reset) tells `PresenceService.changed`; listeners (the
events publisher) subscribe with `PresenceService.listen`. Nothing here knows about events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class ChangeListener(Protocol):
    def presence_changed(self, extension_ids: Sequence[int]) -> None:
        """Called after the change is stored, in the process that made it."""
        ...
