"""What the OAuth services (tokens.py, grants.py) are built on: the directory whose users sign
in, the keys their JWTs and passwords come from, and the store, clock and janitor that keep
what they issue until it expires."""

from __future__ import annotations

from mockserver.directory.model import Directory
from mockserver.platform.clock import Clock
from mockserver.platform.credentials import DEMO_KEYS, Keys
from mockserver.platform.janitor import Janitor
from mockserver.storage import Records


class Issuer:
    def __init__(
        self,
        directory: Directory,
        store: Records,
        clock: Clock,
        janitor: Janitor | None = None,
        keys: Keys = DEMO_KEYS,
    ) -> None:
        self.directory = directory
        self.keys = keys  # what users' JWTs are signed with and passwords derived from
        self.store = store
        self.clock = clock
        self.janitor = janitor or Janitor(store)
