"""`serve --import FILE` and `serve --export-on-exit FILE` (docs/snapshots.md).

`start` reads and checks the snapshot before anything starts (a bad one: one line, exit 2) and
settles the accounts every process will serve (the snapshot's, through a fixture file);
`load` imports the state once the app is built, before the workers fork from it; `save` writes
the state when serve stops cleanly, after the workers and the gateway, before a scratch store
is removed.
"""

from __future__ import annotations

import contextlib
import logging
import os

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.snapshots import Snapshot, export_bytes, import_snapshot
from mockserver.snapshots.files import (
    check_writable,
    read_snapshot,
    with_accounts_of,
    write_snapshot,
)

log = logging.getLogger("presence_mock")


def start(settings: Settings) -> tuple[Snapshot | None, Settings, str | None]:
    """(the snapshot to import or None, the settings to serve with, a fixture file to remove
    at the end or None)."""
    if settings.export_on_exit:
        check_writable(settings.export_on_exit, "--export-on-exit")
    if not settings.import_snapshot:
        return None, settings, None
    snapshot = read_snapshot(settings.import_snapshot)
    served, accounts = with_accounts_of(settings, snapshot, settings.import_snapshot)
    return snapshot, served, accounts


def load(emulator: Emulator, snapshot: Snapshot | None, source: str | None) -> None:
    if snapshot is None:
        return
    import_snapshot(emulator, snapshot, source or "snapshot")
    log.info("presence-mock: state imported from %s", source)


def save(emulator: Emulator, path: str | None) -> None:
    if not path:
        return
    try:
        write_snapshot(path, export_bytes(emulator))
    except Exception as error:  # the server is stopping: say it, never a traceback
        log.error("presence-mock: could not write the snapshot to %s: %s", path, error)
        return
    log.info("presence-mock: state exported to %s", path)


def forget(accounts: str | None) -> None:
    """Remove the accounts file `start` wrote for this run (nothing when none was)."""
    if accounts:
        with contextlib.suppress(OSError):
            os.unlink(accounts)
