"""What lets several processes serve one account fast: the one wrapper that turns it on.

`shared(settings)` builds an emulator whose store reads go through a per-process cache kept
exact by a change counter (cached.py, SQLite only) and whose journal is gathered per process
and written when read (journal_writer.py). The app factory applies it whenever the store is one that
other processes open too (a SQLite file or Redis); a memory store is one process's own.
Forked workers redo what they inherited through forking.py; request log lines are written in
batches by requestlog.py.
"""

from __future__ import annotations

from mockserver.config import Settings
from mockserver.directory.source import directory_for
from mockserver.emulator import Emulator
from mockserver.scaleout.cached import COUNTER_SUFFIX, CachedStore, ChangeCounter
from mockserver.scaleout.journal_writer import SharedJournal
from mockserver.storage import Store, store_from_url
from mockserver.storage.outage import Outage
from mockserver.storage.sqlite import SQLiteStore

__all__ = ["COUNTER_SUFFIX", "SharedJournal", "is_shared", "shared", "shared_store"]


def is_shared(store_url: str) -> bool:
    """Can other processes open this store? (memory:// is one process's own.)"""
    return not store_url.startswith("memory:")


def shared_store(store: Store) -> Store:
    """The store, with the read cache in front where the store is a SQLite file."""
    if isinstance(store, SQLiteStore):
        return CachedStore(store, ChangeCounter(store.path + COUNTER_SUFFIX))
    return store  # Redis is shared across hosts: a per-host counter cannot keep a cache exact


def shared(settings: Settings) -> Emulator:
    """The emulator of `settings`, built once with the read cache and the batched journal in
    front of a store other processes open too."""
    store = shared_store(store_from_url(settings.store))
    outage = Outage(store.last_event_position)  # the journal's flusher says an outage there
    journal = SharedJournal(store, outage=outage)
    return Emulator.build(settings, directory_for(settings), store, journal, outage)
