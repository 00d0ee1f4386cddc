"""Snapshots: an emulator's state saved as a versioned JSON document and loaded again
(docs/snapshots.md). format.py is the file format and its JSON Schema; state.py exports and
imports it through the store's `Images`."""

from __future__ import annotations

from mockserver.snapshots.format import (
    FORMAT,
    MAX_SNAPSHOT_BYTES,
    VERSION,
    Snapshot,
    SnapshotConflict,
    SnapshotError,
    parse,
    render,
    schema,
)
from mockserver.snapshots.state import (
    directory_of,
    export_bytes,
    export_snapshot,
    import_snapshot,
)

__all__ = [
    "FORMAT",
    "MAX_SNAPSHOT_BYTES",
    "VERSION",
    "Snapshot",
    "SnapshotConflict",
    "SnapshotError",
    "directory_of",
    "export_bytes",
    "export_snapshot",
    "import_snapshot",
    "parse",
    "render",
    "schema",
]
