"""The snapshot controls: `GET /_mock/snapshot` exports the emulator's state, `PUT` imports one
(docs/snapshots.md). Controls like the others: the access rule (mockserver/access.py) applies.

A refused import answers one line in the platform's error shape: 400 for a body that is no
snapshot of this format and version or that names what these accounts do not have or a WebHook
address refused now, 409 for a snapshot of other accounts, 413 past the size limit. Nothing has
changed then.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from mockserver.errors import HttpRefusal
from mockserver.operations import CONTROLS_PREFIX, SNAPSHOT_CONTROLS
from mockserver.snapshots import (
    MAX_SNAPSHOT_BYTES,
    SnapshotConflict,
    SnapshotError,
    export_bytes,
    import_snapshot,
    parse,
)
from mockserver.web.context import emulator
from mockserver.web.rendering import json_response
from mockserver.web.routing import register

blueprint = Blueprint("snapshot", __name__, url_prefix=CONTROLS_PREFIX)
SOURCE = "snapshot"  # how a refusal names the body


def export_snapshot() -> Response:
    """The state as a snapshot, in the canonical text a file gets."""
    return Response(export_bytes(emulator()), 200, mimetype="application/json")


def import_snapshot_view() -> Response:
    """Replace the state by the body's snapshot, all or nothing."""
    request.max_content_length = MAX_SNAPSHOT_BYTES  # a snapshot holds the accounts too
    raw = request.get_data(cache=False)
    if not raw.strip():
        raise HttpRefusal(400, f"{SOURCE}: no body: send a snapshot (presence-mock-snapshot JSON)")
    found = emulator()
    try:
        snapshot = parse(raw, SOURCE)
        import_snapshot(found, snapshot, SOURCE)
    except SnapshotConflict as conflict:
        raise HttpRefusal(409, str(conflict)) from None
    except SnapshotError as error:
        raise HttpRefusal(400, str(error)) from None
    return json_response(
        {
            "status": "imported",
            "subscriptions": len(snapshot["subscriptions"]),
            "position": found.events.log.last(),
        }
    )


register(
    blueprint,
    SNAPSHOT_CONTROLS,
    {"exportSnapshot": export_snapshot, "importSnapshot": import_snapshot_view},
)
