"""The Store interface: where the emulator's changeable state lives, and what it holds.

`Store` is the sum of small protocols, one per kind of state (records, counters, overrides,
bounded lists, transactions, the event log, collections, leases); each backend implements them
all, and each service types its dependency as the few it uses.

The seeded directory (accounts, extensions, their seed presence) is rebuilt identically by every
process from the same seed or fixture, so the store holds only what changes at run time:
  * presence overrides: the writable fields a PUT has set, per extension ID;
  * records: small JSON objects by namespace and key (tokens, sessions, codes, ...);
  * bounded lists of records by name (the request journal).
Reset clears presence overrides only, so logged-in clients stay logged in (docs/decisions.md).
Records that expire (tokens, sessions, codes, rate-limit windows) are forgotten once expired
(`purge`, Redis key expiry), so the store does not grow with every login.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

from mockserver.directory.model import PresenceSettings

Record = dict[str, Any]


class Window(NamedTuple):
    """A rate-limit window as `Counters.increment` leaves it."""

    hits: int  # requests counted in the window so far
    start: float


class Records(Protocol):
    """Small JSON records by namespace and key (tokens, sessions, codes, settings...), some
    of which expire."""

    def put(self, namespace: str, key: str, record: Record, expires: float | None = None) -> None:
        """Store `record`; `expires` is the emulator time after which nobody needs it (a
        token's expiry), so `purge` may forget it. None: kept until taken."""
        ...

    def get(self, namespace: str, key: str) -> Record | None: ...

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Record | None]:
        """Several records in one round trip, in the order of `keys` (None where missing).

        An API request needs its token, session and the clock offset; on SQLite or Redis one
        query instead of three is most of what separates a GET from a bare route.
        """
        ...

    def take(self, namespace: str, key: str) -> Record | None:
        """Get and delete in one atomic step (a refresh token or code is good once)."""
        ...

    def purge(self, now: float) -> int:
        """Forget records (and rate-limit windows) that expired by `now`, the emulator's time;
        how many. Redis lets its keys expire by themselves and purges nothing here."""
        ...


class Counters(Protocol):
    """Rate-limit windows and other counts, atomic across processes."""

    def increment(self, namespace: str, key: str, now: float, window: float) -> Window:
        """Count one request in the key's fixed window, atomically across processes.

        The window opens at the first request and lasts `window` seconds; a request after it
        opens a new one. Returns the count so far and the window's start; the record reads
        back with `get` as {"start": ..., "count": ...}.
        `now` is the emulator's movable clock, not the wall clock (as
        mockserver/platform/ratelimit.py counts).
        """
        ...


class Overrides(Protocol):
    """The PUT-set presence fields of each extension (the only state reset clears)."""

    def overrides(self, extension_ids: Sequence[int]) -> dict[int, PresenceSettings]:
        """The PUT-set fields of those extensions that have any."""
        ...

    def merge_overrides(self, extension_id: int, changes: PresenceSettings) -> PresenceSettings:
        """Lay `changes` over the extension's overrides, atomically; return the result."""
        ...

    def reset(self) -> None:
        """Forget every presence override."""
        ...


class Entries(Protocol):
    """Bounded lists of records by name (the request and delivery journals)."""

    def append_entries(self, name: str, entries: Sequence[Record], keep: int) -> None:
        """Add to the end of the list `name`, keeping only its last `keep` entries."""
        ...

    def entries(self, name: str) -> list[Record]:
        """The list `name`, oldest first."""
        ...

    def clear_entries(self, name: str) -> None: ...


class Transactions(Protocol):
    """One record and several extensions' overrides changed together (live telephony)."""

    def transact(
        self, namespace: str, key: str, extension_ids: Sequence[int], step: Step
    ) -> Transaction:
        """Run `step` on one record and several extensions' overrides and write what it returns,
        all or nothing, atomically across processes (SQLite: one IMMEDIATE transaction; Redis:
        WATCH/MULTI/EXEC, retried when another client wrote a watched key; memory: the lock).
        `step` may run more than once (Redis retries), so it must not act outside the store."""
        ...


class EventStream(Protocol):
    """The event log: changes of extensions, in order, each with its position."""

    def publish_event(
        self, extension_id: int, state: str, baseline: str, entry: Record, keep: int
    ) -> Record | None:
        """Append a change of one extension to the event log, if it is one, atomically.

        `state` is the extension's body now, as canonical JSON text (an object, without
        `sequence`); it is compared with the last state published for the extension, or with
        `baseline` when none was. Equal: nothing happens and None comes back. Different: the
        extension's sequence grows by one and the log gets `entry` plus `position` (the log's
        own counter, which only grows), `sequence`, `body` (the state with its sequence) and
        `previous` (the state it replaces); that logged entry comes back. The log keeps about
        its last `keep` entries.
        """
        ...

    def events_after(self, position: int, limit: int, wait: float = 0.0) -> list[Record]:
        """Up to `limit` logged entries after `position`, oldest first; when there are none,
        wait up to `wait` seconds for one (Redis: XREAD BLOCK; SQLite: short polls)."""
        ...

    def last_event_position(self) -> int:
        """The position of the newest logged entry (0 before any)."""
        ...

    def published_extensions(self) -> list[int]:
        """The extensions that have a published state (a reset publishes them again)."""
        ...


class Collections(Protocol):
    """Records kept together by a collection name (subscriptions)."""

    def put_member(self, name: str, key: str, record: Record) -> None:
        """Keep `record` under `key` in the collection `name` (subscriptions)."""
        ...

    def member(self, name: str, key: str) -> Record | None: ...

    def members(self, name: str) -> dict[str, Record]:
        """Every record of the collection `name`, by key."""
        ...

    def drop_member(self, name: str, key: str) -> bool:
        """Remove one record; whether it was there."""
        ...

    def clear_members(self, name: str) -> None: ...


class Leases(Protocol):
    """Leases one owner holds at a time (a WebHook deliverer, the office-day player)."""

    def lease(self, name: str, owner: str, now: float, ttl: float) -> Record | None:
        """Take or keep the lease `name` for `owner` until `now + ttl`, atomically, when it is
        free, expired or already `owner`'s: returns the lease's `state` (a record; {} at first).
        None when another owner holds it. `now` is the wall clock: leases outlive clock moves."""
        ...

    def update_lease(self, name: str, owner: str, state: Record) -> bool:
        """Replace the lease's state, only while `owner` holds it; whether it did."""
        ...

    def drop_lease(self, name: str) -> None: ...


class Image(NamedTuple):
    """The state a snapshot carries, as the store holds it (`Images`)."""

    overrides: dict[int, dict[str, Any]]  # every extension's overrides that has any
    records: dict[tuple[str, str], Record]  # of the records asked for, those present
    members: dict[str, Record]  # the collection asked for, by key
    heads: dict[int, tuple[int, str]]  # extension ID -> (sequence, state): its published state
    position: int  # the event log's newest position


class Images(Protocol):
    """The state a snapshot carries, read in one consistent view and replaced all or nothing."""

    def image(self, records: Sequence[tuple[str, str]], collection: str) -> Image:
        """Every override, the records named (those present), the collection's members, every
        published state and the event log's position, as one consistent view."""
        ...

    def restore(
        self,
        image: Image,
        records: Sequence[tuple[str, str]],
        collection: str,
        leases: Sequence[str],
    ) -> None:
        """Replace, atomically, all or nothing: every override by the image's; each record named
        by the image's (gone where it has none; kept without expiry); the collection by the
        image's members; every published state by the image's heads; drop the leases named;
        empty the event log and set its position to the image's, or keep the current one
        where it is further on (positions only grow)."""
        ...


class Store(
    Records,
    Counters,
    Overrides,
    Entries,
    Transactions,
    EventStream,
    Collections,
    Leases,
    Images,
    Protocol,
):
    """Everything a backend (memory, SQLite, Redis) implements. A service types its dependency
    as the small protocols above that it uses, so a new kind of state touches one of them."""


# -- live telephony -----------------------------------------------------------------------------
class Transaction(NamedTuple):
    """What a `Transactions.transact` step writes: the record in full (None: leave it as it is) and
    fields laid over some extensions' overrides."""

    record: Record | None
    overrides: dict[int, dict[str, Any]]


Step = Callable[[Record | None, dict[int, dict[str, Any]]], Transaction]
"""Given the record and the overrides of the extensions named (only those that have any), the
changes to write; raising writes nothing."""
