"""Snapshot files: read one (bounded, checked), write one (whole or not at all), and hand a
snapshot's accounts to processes that build their directory from settings (a fixture file)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from pathlib import Path

from mockserver.config import ConfigError, Settings
from mockserver.directory.fixtures import directory_to_dict
from mockserver.inputs import TooLarge, Unreadable, read_file
from mockserver.snapshots.format import MAX_SNAPSHOT_BYTES, Snapshot, SnapshotError, parse
from mockserver.snapshots.state import directory_of


def read_snapshot(path: str | os.PathLike[str]) -> Snapshot:
    """The snapshot in the file, checked against the format; SnapshotError (one line) if not."""
    source = os.fspath(path)
    try:
        raw = read_file(source, MAX_SNAPSHOT_BYTES, "snapshot")
    except (TooLarge, Unreadable) as error:
        raise SnapshotError(str(error)) from None
    return parse(raw, source)


def write_snapshot(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` whole: into a temporary file beside it, then renamed over it, so
    a reader (or a crash half way) never sees half a snapshot."""
    target = Path(path)
    handle, scratch = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(data)
        os.replace(scratch, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise


def check_writable(path: str | os.PathLike[str], option: str) -> None:
    """Refuse, at start-up, a path the snapshot could not be written to at the end."""
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise ConfigError(f"{option} {os.fspath(path)}: no folder {folder}")
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"{option} {os.fspath(path)}: cannot write in {folder}")
    if Path(path).is_dir():
        raise ConfigError(f"{option} {os.fspath(path)}: is a folder, expected a file name")


def with_accounts_of(settings: Settings, snapshot: Snapshot, source: str) -> tuple[Settings, str]:
    """Settings that serve the snapshot's accounts: they are written to a fixture file (mode
    0600, removed by the caller) that every process reads as it would --fixture's. The file's
    path comes back with the settings."""
    if settings.fixture:
        raise ConfigError(
            "--import takes the accounts from the snapshot: give --fixture or --import, not both"
        )
    directory = directory_of(snapshot, source)  # checked as a fixture is, before it is written
    handle, path = tempfile.mkstemp(prefix="presence-mock-accounts-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as sink:
        json.dump(directory_to_dict(directory), sink)
    return dataclasses.replace(settings, fixture=path), path
