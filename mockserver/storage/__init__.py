"""Where the emulator's changeable state lives, behind one small interface.

The seeded directory (accounts, extensions, their seed presence) is rebuilt identically by every
process from the same seed or fixture, so the store holds only what changes at run time:
  * presence overrides: the writable fields a PUT has set, per extension ID;
  * records: small JSON objects by namespace and key (tokens, sessions, codes, ...).
Reset clears presence overrides only, so logged-in clients stay logged in (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..model import PresenceSettings

Record = dict[str, Any]


class Store(Protocol):
    def overrides(self, extension_ids: Sequence[int]) -> dict[int, PresenceSettings]:
        """The PUT-set fields of those extensions that have any."""
        ...

    def merge_overrides(self, extension_id: int, changes: PresenceSettings) -> PresenceSettings:
        """Lay `changes` over the extension's overrides, atomically; return the result."""
        ...

    def put(self, namespace: str, key: str, record: Record) -> None: ...

    def get(self, namespace: str, key: str) -> Record | None: ...

    def take(self, namespace: str, key: str) -> Record | None:
        """Get and delete in one atomic step (a refresh token or code is good once)."""
        ...

    def reset(self) -> None:
        """Forget every presence override."""
        ...


class StoreURLError(ValueError):
    """A --store URL this build cannot open."""


def store_from_url(url: str) -> Store:
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        from .memory import MemoryStore

        return MemoryStore()
    raise StoreURLError(f"unsupported store URL {url!r}: expected memory://")
