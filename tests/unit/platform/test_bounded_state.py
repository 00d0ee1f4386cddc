"""Expired tokens, sessions, codes and rate-limit windows are forgotten on every store (memory and
SQLite by `purge`, Redis by key expiry), so state does not grow with logins (decision STORE-2)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.platform.janitor import GRACE
from mockserver.storage.sqlite import SQLiteStore
from mockserver.web.app import create_app
from tests.support.login import login


def test_an_sqlite_file_of_an_older_build_gains_the_expiry_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE records (namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT "
            "NULL, PRIMARY KEY (namespace, key)) WITHOUT ROWID"
        )
        old.execute("INSERT INTO records VALUES ('session', 's', '{}')")
    opened = SQLiteStore(str(path))
    opened.put("access", "t", {"v": 1}, expires=1.0)
    opened.purge(2.0)
    assert opened.get("access", "t") is None
    assert opened.get("session", "s") == {}


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_logins_leave_nothing_once_expired(tmp_path: Path, kind: str) -> None:
    url = "memory://" if kind == "memory" else f"sqlite://{tmp_path / 's.db'}"
    emulator = Emulator.from_settings(Settings(store=url))
    app = create_app(emulator=emulator)
    client = app.test_client()
    directory = emulator.directory
    owners = [e for e in directory.accounts[0].extensions if e.type.is_user][:5]
    baseline = _rows(emulator)
    for owner in owners:
        api = login(client, directory, owner)
        assert api.get("/restapi/v1.0/account/~/extension/~/presence").status_code == 200
    assert _rows(emulator) > baseline
    # Past every lifetime (7-day refresh tokens) and the grace period, then one more login.
    emulator.clock.advance(604_800 + GRACE + 1)
    emulator.tokens.janitor._next = 0.0  # the janitor's turn now, not in 5 s
    login(client, directory, owners[0])
    # What is left: the clock offset and the one new session (3 records, one window).
    assert _rows(emulator) <= baseline + 5


def _rows(emulator: Emulator) -> int:
    store = emulator.store
    if isinstance(store, SQLiteStore):
        return store._connection().execute("SELECT count(*) FROM records").fetchone()[0]
    return len(store._records)  # type: ignore[attr-defined]
