"""What a child of fork must redo on objects it inherited (locks, threads, gathered work).

Registered with `os.register_at_fork`, which every fork goes through (granian's workers too).
The object is held weakly, so registering never keeps it alive.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from typing import TypeVar

Owner = TypeVar("Owner")


def in_forked_children(owner: Owner, action: Callable[[Owner], None]) -> None:
    """Run `action(owner)` in every child forked from now on, while `owner` lives."""
    alive = weakref.ref(owner)

    def run() -> None:
        found = alive()
        if found is not None:
            action(found)

    os.register_at_fork(after_in_child=run)
