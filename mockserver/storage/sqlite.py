"""A store in one SQLite file, shared by every worker process of one host.

Each process and thread opens its own connection on first use: a sqlite3 connection must not
cross a fork (the child would share the parent's file locks and cache), and the module's
connections are not safe to share between threads either. WAL lets readers run beside the one
writer; busy_timeout makes a writer wait for the lock instead of failing at once.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from mockserver.directory.model import PresenceSettings
from mockserver.storage.base import Image, Record, Step, Transaction, Window

BUSY_TIMEOUT_MS = 10_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS overrides (
    extension_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (extension_id, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    expires REAL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_name ON entries (name, seq);
CREATE TABLE IF NOT EXISTS event_heads (
    extension_id INTEGER PRIMARY KEY,
    sequence INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until REAL NOT NULL,
    state TEXT NOT NULL
);
"""
# How often a waiting reader of the event log looks again (a 2-core host shares this
# with everything else; 20 ms keeps the delivery latency low at a few queries a second).
EVENT_POLL_SECONDS = 0.02


class SQLiteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        # Create the file and tables now, so a bad path fails at start-up with a clear message,
        # not on the first request of some worker.
        with self._transaction():
            pass

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            # First use in this thread, or a thread-local inherited across fork: open anew.
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            # NORMAL is durable across a process crash under WAL, which is all a mock needs.
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.executescript(SCHEMA)
            _add_expiry(connection)
            local.connection, local.pid = connection, os.getpid()
        return cast(sqlite3.Connection, local.connection)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        # IMMEDIATE takes the write lock up front, so a read-then-write cannot be interleaved.
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def overrides(self, extension_ids: Sequence[int]) -> dict[int, PresenceSettings]:
        if not extension_ids:
            return {}
        found: dict[int, dict[str, Any]] = {}
        connection = self._connection()
        # Chunks keep under SQLite's bound-variable limit for a page of any size.
        ids = list(extension_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = connection.execute(
                f"SELECT extension_id, field, value FROM overrides WHERE extension_id IN ({marks})",
                chunk,
            )
            for extension_id, field, value in rows:
                found.setdefault(extension_id, {})[field] = json.loads(value)
        return {i: cast(PresenceSettings, found[i]) for i in ids if i in found}

    def merge_overrides(self, extension_id: int, changes: PresenceSettings) -> PresenceSettings:
        with self._transaction() as connection:
            connection.executemany(
                "INSERT OR REPLACE INTO overrides (extension_id, field, value) VALUES (?, ?, ?)",
                [(extension_id, k, json.dumps(v)) for k, v in changes.items()],
            )
            rows = connection.execute(
                "SELECT field, value FROM overrides WHERE extension_id = ?", (extension_id,)
            ).fetchall()
        return cast(PresenceSettings, {field: json.loads(value) for field, value in rows})

    def put(self, namespace: str, key: str, record: Record, expires: float | None = None) -> None:
        self._connection().execute(
            "INSERT OR REPLACE INTO records (namespace, key, value, expires) VALUES (?, ?, ?, ?)",
            (namespace, key, json.dumps(record), expires),
        )

    def purge(self, now: float) -> int:
        # One indexed DELETE; only expiring rows are in the index.
        cursor = self._connection().execute(
            "DELETE FROM records WHERE expires IS NOT NULL AND expires <= ?", (now,)
        )
        return cursor.rowcount

    def get(self, namespace: str, key: str) -> Record | None:
        return self._json_row(
            "SELECT value FROM records WHERE namespace = ? AND key = ?", namespace, key
        )

    def _json_row(self, sql: str, *parameters: object) -> Record | None:
        """The JSON value of the one row `sql` selects, or None."""
        row = self._connection().execute(sql, parameters).fetchone()
        return json.loads(row[0]) if row else None

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Record | None]:
        if not keys:
            return []
        row = self._connection().execute(_get_many_sql(len(keys)), [p for k in keys for p in k])
        return [json.loads(value) if value is not None else None for value in row.fetchone()]

    def increment(self, namespace: str, key: str, now: float, window: float) -> Window:
        # One UPSERT statement is one transaction: atomic across processes, and a single
        # round trip instead of BEGIN, SELECT, INSERT and COMMIT on every API request.
        arguments = (namespace, key, now, window)
        count, start = self._connection().execute(_INCREMENT, arguments).fetchone()
        return Window(int(count), float(start))

    def take(self, namespace: str, key: str) -> Record | None:
        with self._transaction() as connection:
            row = connection.execute(
                "DELETE FROM records WHERE namespace = ? AND key = ? RETURNING value",
                (namespace, key),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def reset(self) -> None:
        with self._transaction() as connection:
            connection.execute("DELETE FROM overrides")

    def append_entries(self, name: str, entries: Sequence[Record], keep: int) -> None:
        # Encoded before the write lock is taken: 1,000 entries of a change take milliseconds to
        # encode, which a PUT waiting for the lock would otherwise wait out too.
        rows = [(name, json.dumps(entry)) for entry in entries]
        with self._transaction() as connection:
            connection.executemany("INSERT INTO entries (name, value) VALUES (?, ?)", rows)
            connection.execute(
                "DELETE FROM entries WHERE name = ?1 AND seq <= "
                "(SELECT seq FROM entries WHERE name = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
                (name, keep),
            )

    def entries(self, name: str) -> list[Record]:
        rows = self._connection().execute(
            "SELECT value FROM entries WHERE name = ? ORDER BY seq", (name,)
        )
        return [json.loads(value) for (value,) in rows]

    def clear_entries(self, name: str) -> None:
        with self._transaction() as connection:
            connection.execute("DELETE FROM entries WHERE name = ?", (name,))

    # -- live telephony -------------------------------------------------------------------------
    def transact(
        self, namespace: str, key: str, extension_ids: Sequence[int], step: Step
    ) -> Transaction:
        with self._transaction() as connection:
            row = connection.execute(
                "SELECT value FROM records WHERE namespace = ? AND key = ?", (namespace, key)
            ).fetchone()
            found: dict[int, dict[str, Any]] = {}
            ids = list(extension_ids)
            if ids:
                marks = ",".join("?" * len(ids))
                query = "SELECT extension_id, field, value FROM overrides WHERE extension_id IN "
                rows = connection.execute(f"{query}({marks})", ids)
                for extension_id, field, value in rows:
                    found.setdefault(extension_id, {})[field] = json.loads(value)
            done = step(json.loads(row[0]) if row else None, found)
            if done.record is not None:
                connection.execute(
                    "INSERT OR REPLACE INTO records (namespace, key, value, expires) "
                    "VALUES (?, ?, ?, NULL)",
                    (namespace, key, json.dumps(done.record)),
                )
            connection.executemany(
                "INSERT OR REPLACE INTO overrides (extension_id, field, value) VALUES (?, ?, ?)",
                [
                    (extension_id, field, json.dumps(value))
                    for extension_id, fields in done.overrides.items()
                    for field, value in fields.items()
                ],
            )
        return done

    # -- events ---------------------------------------------------------------------------------
    def publish_event(
        self, extension_id: int, state: str, baseline: str, entry: Record, keep: int
    ) -> Record | None:
        # One IMMEDIATE transaction: the compare, the sequence and the append are atomic for
        # every worker on the file; AUTOINCREMENT positions never go back, even after a trim.
        with self._transaction() as connection:
            row = connection.execute(
                "SELECT sequence, state FROM event_heads WHERE extension_id = ?", (extension_id,)
            ).fetchone()
            sequence, previous = (int(row[0]), str(row[1])) if row else (0, baseline)
            if previous == state:
                return None
            sequence += 1
            connection.execute(
                "INSERT OR REPLACE INTO event_heads (extension_id, sequence, state) "
                "VALUES (?, ?, ?)",
                (extension_id, sequence, state),
            )
            logged = {
                **entry,
                "sequence": sequence,
                "body": {**json.loads(state), "sequence": sequence},
                "previous": json.loads(previous),
            }
            cursor = connection.execute(
                "INSERT INTO events (value) VALUES (?)", (json.dumps(logged),)
            )
            position = int(cursor.lastrowid or 0)
            connection.execute("DELETE FROM events WHERE position <= ?", (position - keep,))
        return {**logged, "position": position}

    def events_after(self, position: int, limit: int, wait: float = 0.0) -> list[Record]:
        deadline = time.monotonic() + wait
        connection = self._connection()
        while True:
            rows = connection.execute(
                "SELECT position, value FROM events WHERE position > ? ORDER BY position LIMIT ?",
                (position, limit),
            ).fetchall()
            if rows or time.monotonic() >= deadline:
                return [{**json.loads(value), "position": at} for at, value in rows]
            time.sleep(min(EVENT_POLL_SECONDS, max(0.0, deadline - time.monotonic())))

    def last_event_position(self) -> int:
        row = (
            self._connection()
            .execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
            .fetchone()
        )
        return int(row[0]) if row else 0

    def published_extensions(self) -> list[int]:
        rows = self._connection().execute("SELECT extension_id FROM event_heads")
        return [int(extension_id) for (extension_id,) in rows]

    def put_member(self, name: str, key: str, record: Record) -> None:
        self._connection().execute(
            "INSERT OR REPLACE INTO members (name, key, value) VALUES (?, ?, ?)",
            (name, key, json.dumps(record)),
        )

    def member(self, name: str, key: str) -> Record | None:
        return self._json_row("SELECT value FROM members WHERE name = ? AND key = ?", name, key)

    def members(self, name: str) -> dict[str, Record]:
        rows = self._connection().execute(
            "SELECT key, value FROM members WHERE name = ? ORDER BY key", (name,)
        )
        return {key: json.loads(value) for key, value in rows}

    def drop_member(self, name: str, key: str) -> bool:
        cursor = self._connection().execute(
            "DELETE FROM members WHERE name = ? AND key = ?", (name, key)
        )
        return cursor.rowcount > 0

    def clear_members(self, name: str) -> None:
        self._connection().execute("DELETE FROM members WHERE name = ?", (name,))

    def lease(self, name: str, owner: str, now: float, ttl: float) -> Record | None:
        with self._transaction() as connection:
            row = connection.execute(
                "SELECT owner, until, state FROM leases WHERE name = ?", (name,)
            ).fetchone()
            if row is not None and row[0] != owner and float(row[1]) > now:
                return None
            state = str(row[2]) if row is not None else "{}"
            connection.execute(
                "INSERT OR REPLACE INTO leases (name, owner, until, state) VALUES (?, ?, ?, ?)",
                (name, owner, now + ttl, state),
            )
        return cast(Record, json.loads(state))

    def update_lease(self, name: str, owner: str, state: Record) -> bool:
        cursor = self._connection().execute(
            "UPDATE leases SET state = ? WHERE name = ? AND owner = ?",
            (json.dumps(state), name, owner),
        )
        return cursor.rowcount > 0

    def drop_lease(self, name: str) -> None:
        self._connection().execute("DELETE FROM leases WHERE name = ?", (name,))

    # -- snapshots: one transaction each ------------------------------------------------------
    def image(self, records: Sequence[tuple[str, str]], collection: str) -> Image:
        with self._transaction() as connection:
            overrides: dict[int, dict[str, Any]] = {}
            rows = connection.execute("SELECT extension_id, field, value FROM overrides")
            for extension_id, field, value in rows:
                overrides.setdefault(int(extension_id), {})[field] = json.loads(value)
            found: dict[tuple[str, str], Record] = {}
            for namespace, key in records:
                row = connection.execute(
                    "SELECT value FROM records WHERE namespace = ? AND key = ?", (namespace, key)
                ).fetchone()
                if row is not None:
                    found[namespace, key] = json.loads(row[0])
            members = {
                key: json.loads(value)
                for key, value in connection.execute(
                    "SELECT key, value FROM members WHERE name = ? ORDER BY key", (collection,)
                )
            }
            heads = {
                int(extension_id): (int(sequence), str(state))
                for extension_id, sequence, state in connection.execute(
                    "SELECT extension_id, sequence, state FROM event_heads"
                )
            }
            row = connection.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'events'"
            ).fetchone()
        return Image(overrides, found, members, heads, int(row[0]) if row else 0)

    def restore(
        self,
        image: Image,
        records: Sequence[tuple[str, str]],
        collection: str,
        leases: Sequence[str],
    ) -> None:
        with self._transaction() as connection:
            connection.execute("DELETE FROM overrides")
            connection.executemany(
                "INSERT INTO overrides (extension_id, field, value) VALUES (?, ?, ?)",
                [
                    (extension_id, field, json.dumps(value))
                    for extension_id, fields in image.overrides.items()
                    for field, value in fields.items()
                ],
            )
            connection.executemany(
                "DELETE FROM records WHERE namespace = ? AND key = ?", list(records)
            )
            connection.executemany(
                "INSERT INTO records (namespace, key, value, expires) VALUES (?, ?, ?, NULL)",
                [
                    (ns, key, json.dumps(image.records[ns, key]))
                    for ns, key in records
                    if (ns, key) in image.records
                ],
            )
            connection.execute("DELETE FROM members WHERE name = ?", (collection,))
            connection.executemany(
                "INSERT INTO members (name, key, value) VALUES (?, ?, ?)",
                [(collection, key, json.dumps(record)) for key, record in image.members.items()],
            )
            connection.executemany("DELETE FROM leases WHERE name = ?", [(n,) for n in leases])
            connection.execute("DELETE FROM event_heads")
            connection.executemany(
                "INSERT INTO event_heads (extension_id, sequence, state) VALUES (?, ?, ?)",
                [(i, sequence, state) for i, (sequence, state) in image.heads.items()],
            )
            # AUTOINCREMENT goes on from sqlite_sequence: emptied, the log's next position is
            # the one after what is set here.
            connection.execute("DELETE FROM events")
            row = connection.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'events'"
            ).fetchone()
            position = max(int(row[0]) if row else 0, image.position)
            if row is None:
                connection.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)", (position,)
                )
            else:
                connection.execute(
                    "UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'", (position,)
                )


def _add_expiry(connection: sqlite3.Connection) -> None:
    """A file written by a build before records expired has no `expires` column: add it (its
    old records then never expire, as before)."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(records)")}
    if "expires" not in columns:
        # Another process may have added it first.
        with contextlib.suppress(sqlite3.OperationalError):
            connection.execute("ALTER TABLE records ADD COLUMN expires REAL")
    connection.execute(
        "CREATE INDEX IF NOT EXISTS records_by_expiry ON records (expires) "
        "WHERE expires IS NOT NULL"
    )


@functools.cache
def _get_many_sql(count: int) -> str:
    # One scalar subquery per key: each is a primary-key lookup, and the one row comes back in
    # the order asked. (`(namespace, key) IN (VALUES ...)` reads the same but scans the table.)
    lookup = "(SELECT value FROM records WHERE namespace = ? AND key = ?)"
    return "SELECT " + ", ".join([lookup] * count)


# The same window rule as MemoryStore.increment, in SQL, on the JSON record `get` reads.
# In DO UPDATE, `value` is the stored row's and `excluded.value` the new window's (every
# right-hand side reads the row as it was). A window expires when it ends.
_INCREMENT = """
INSERT INTO records (namespace, key, value, expires)
VALUES (?1, ?2, json_object('start', ?3, 'count', 1), ?3 + ?4)
ON CONFLICT (namespace, key) DO UPDATE SET value = CASE
    WHEN json_extract(value, '$.start') + ?4 <= ?3 THEN excluded.value
    ELSE json_set(value, '$.count', json_extract(value, '$.count') + 1)
END, expires = CASE
    WHEN json_extract(value, '$.start') + ?4 <= ?3 THEN excluded.expires
    ELSE expires
END
RETURNING json_extract(value, '$.count'), json_extract(value, '$.start')
"""
