"""A store lease one background job holds while it works (the office-day player, the call
timer): taken on first use, kept by taking it again once a third of it has gone by, lost when
another owner holds it. `Leases.lease` is atomic on every backend, so one job runs across the
workers and replicas sharing a store."""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable

from mockserver.storage import Leases


def default_owner() -> str:
    """A name no other process shares: host, pid and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class KeptLease:
    def __init__(
        self,
        store: Leases,
        name: str,
        owner: str,
        seconds: float,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.name = name
        self.owner = owner
        self.seconds = seconds
        self.wall = wall
        self._renewed: float | None = None  # when the lease was last taken or kept

    def holding(self) -> bool:
        """Whether this owner holds the lease: taken, or kept once a third of it has gone by."""
        now = self.wall()
        if self._renewed is not None and now - self._renewed < self.seconds / 3:
            return True
        if self.store.lease(self.name, self.owner, now, self.seconds) is None:
            self._renewed = None
            return False
        self._renewed = now
        return True
