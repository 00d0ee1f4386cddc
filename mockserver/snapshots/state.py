"""Export and import an emulator's state as a snapshot (format.py; docs/snapshots.md).

Export reads the store in one consistent view (`Images.image`) and writes what it finds in the
format's sections. Import checks everything first: the format, then the snapshot against this
emulator (the same accounts, only IDs they know, WebHook addresses its address policy allows
now); then replaces the state in one store write (`Images.restore`): all of it or, on any
refusal or failure, none of it. Tokens and sessions stay, as across a reset (STORE-1); the
request and delivery journals and the chaos rules are not part of a snapshot and stay too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

from mockserver.directory.fixtures import directory_from_dict, directory_to_dict
from mockserver.directory.model import Directory, ExtensionType
from mockserver.emulator import Emulator
from mockserver.events.addresses import AddressRefused
from mockserver.events.log import canonical
from mockserver.events.subscriptions import COLLECTION, WEBHOOK, Subscription, lease_name
from mockserver.platform.clock import MAX_SHIFT, OFFSET_KEY, offset_of
from mockserver.snapshots.format import (
    FORMAT,
    VERSION,
    Snapshot,
    SnapshotConflict,
    SnapshotError,
    render,
)
from mockserver.storage import Image
from mockserver.telephony.call_engine import ACTIVITY_KEY, NAMESPACE, PLAYER_KEY
from mockserver.timestamps import iso_millis

RecordKey = tuple[str, str]


def record_keys(directory: Directory) -> list[RecordKey]:
    """The records a snapshot replaces: each account's calls, the office-day's (a running
    office day is not carried: an import stops it, as a reset does) and the clock."""
    keys = [(NAMESPACE, str(account.id)) for account in directory.accounts]
    return [*keys, (NAMESPACE, ACTIVITY_KEY), (NAMESPACE, PLAYER_KEY), OFFSET_KEY]


# -- export ---------------------------------------------------------------------------------------
def export_snapshot(emulator: Emulator, exported_at: float | None = None) -> Snapshot:
    """The emulator's state as a snapshot (a dict in the format; `render` writes it)."""
    directory = emulator.directory
    image = emulator.store.image(record_keys(directory), COLLECTION)
    presence: dict[str, Any] = {}
    queues: dict[str, Any] = {}
    unified: dict[str, Any] = {}
    for extension_id, fields in image.overrides.items():
        if not fields:
            continue
        if extension_id < 0:
            unified[str(-extension_id)] = fields
            continue
        ext = directory.extension(extension_id)
        kept = queues if ext is not None and ext.type is ExtensionType.DEPARTMENT else presence
        kept[str(extension_id)] = fields
    calls = {
        str(account.id): found
        for account in directory.accounts
        if (found := image.records.get((NAMESPACE, str(account.id))))
    }
    subscriptions = sorted(
        (record for record in image.members.values() if record.get("transport") == WEBHOOK),
        key=lambda record: str(record["id"]),
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exportedAt": iso_millis(time.time() if exported_at is None else exported_at),
        "directory": _accounts_of(emulator),
        "presence": presence,
        "queues": queues,
        "unified": unified,
        "calls": calls,
        "subscriptions": subscriptions,
        "clock": _clock_of(image.records.get(OFFSET_KEY)),
        "events": {
            "position": image.position,
            "published": {
                str(extension_id): {"sequence": sequence, "state": json.loads(state)}
                for extension_id, (sequence, state) in image.heads.items()
            },
        },
    }


# What an export writes for an app's secret when it is derived from the server's credentials
# secret: the secret itself is never shown (an importing server derives its own).
DERIVED_SECRET = "(derived from the server's credentials secret)"


def _accounts_of(emulator: Emulator) -> dict[str, Any]:
    accounts = directory_to_dict(emulator.directory)
    if emulator.keys.random:
        accounts["apps"] = [{**app, "clientSecret": DERIVED_SECRET} for app in accounts["apps"]]
    return accounts


def export_bytes(emulator: Emulator) -> bytes:
    return render(export_snapshot(emulator))


def _clock_of(record: Mapping[str, Any] | None) -> dict[str, float]:
    frozen = record.get("frozenAt") if record else None
    if isinstance(frozen, int | float) and not isinstance(frozen, bool):
        return {"frozenAt": float(frozen)}
    return {"offset": offset_of(dict(record) if record else None)}


# -- import ---------------------------------------------------------------------------------------
def import_snapshot(emulator: Emulator, snapshot: Snapshot, source: str = "snapshot") -> None:
    """Replace the emulator's state by the snapshot's (already `format.parse`d), all or nothing:
    SnapshotConflict when its accounts are not this emulator's, SnapshotError for an ID they do
    not know or a WebHook address refused now; nothing changed then."""
    directory = emulator.directory
    if _comparable(snapshot["directory"]) != _comparable(directory_to_dict(directory)):
        directory_of(snapshot, source)  # accounts that are no fixture: said as such (400)
        raise SnapshotConflict(
            f"{source}: its accounts are not this server's (another seed, size or fixture): "
            "start a server from it instead (serve --import FILE)"
        )
    problem = next(_problems(emulator, snapshot), None)
    if problem is not None:
        raise SnapshotError(f"{source}: {problem}")
    image = image_of(snapshot)
    current = emulator.store.members(COLLECTION)
    leases = [lease_name(key) for key in {*current, *image.members}]
    emulator.store.restore(image, record_keys(directory), COLLECTION, sorted(leases))
    # Publishes nothing when the snapshot's published states are its presence (as exported);
    # for one edited by hand, the event log catches up with what subscribers would now read.
    changed = {abs(i) for i in image.overrides} | set(image.heads)
    emulator.events.publisher.publish(sorted(changed))


def image_of(snapshot: Snapshot, now: float | None = None) -> Image:
    """The store's image of a (valid) snapshot."""
    overrides: dict[int, dict[str, Any]] = {}
    for section in ("presence", "queues"):
        for key, fields in snapshot[section].items():
            if fields:
                overrides[int(key)] = dict(fields)
    for key, fields in snapshot["unified"].items():
        if fields:
            overrides[-int(key)] = dict(fields)
    records: dict[RecordKey, dict[str, Any]] = {
        (NAMESPACE, key): record for key, record in snapshot["calls"].items()
    }
    clock = snapshot["clock"]
    if "frozenAt" in clock:
        wall = time.time() if now is None else now
        frozen = float(clock["frozenAt"])
        records[OFFSET_KEY] = {"seconds": frozen - wall, "frozenAt": frozen}
    else:
        records[OFFSET_KEY] = {"seconds": float(clock["offset"])}
    events = snapshot["events"]
    heads = {
        int(key): (int(head["sequence"]), canonical(head["state"]))
        for key, head in events["published"].items()
    }
    members = {str(record["id"]): record for record in snapshot["subscriptions"]}
    return Image(overrides, records, members, heads, int(events["position"]))


def _comparable(directory: Mapping[str, Any]) -> dict[str, Any]:
    """The accounts as compared: apps' secrets aside (they follow the server's credentials
    secret, not its state), and the seed's calls without their start times (a server moves them
    to before its store was first served, which differs from server to server: decision
    CALL-81)."""
    found = directory.get("apps")
    apps = [
        {k: v for k, v in app.items() if k != "clientSecret"} if isinstance(app, dict) else app
        for app in (found if isinstance(found, list) else [found])
    ]
    compared = {k: v for k, v in directory.items() if k != "$schema"} | {"apps": apps}
    return dict(_without_call_times(compared))


def _without_call_times(value: Any) -> Any:
    """`value` with no `startTime` in any `activeCalls` item, at whatever depth."""
    if isinstance(value, list):
        return [_without_call_times(item) for item in value]
    if not isinstance(value, dict):
        return value
    found = {k: _without_call_times(v) for k, v in value.items()}
    calls = found.get("activeCalls")
    if isinstance(calls, list):
        found["activeCalls"] = [
            {k: v for k, v in c.items() if k != "startTime"} if isinstance(c, dict) else c
            for c in calls
        ]
    return found


def _problems(emulator: Emulator, snapshot: Snapshot) -> Iterator[str]:
    """What in a valid snapshot does not fit this emulator, in reading order."""
    directory = emulator.directory
    for section in ("presence", "unified"):
        for key in snapshot[section]:
            ext = directory.extension(int(key))
            if ext is None or ext.type is ExtensionType.DEPARTMENT:
                yield f"{section}: extension {key} is not a user of the accounts"
    for key, flags in snapshot["queues"].items():
        ext = directory.extension(int(key))
        if ext is None or ext.type is not ExtensionType.DEPARTMENT:
            yield f"queues: {key} is not a call queue of the accounts"
            continue
        members = {str(member.extension_id) for member in ext.members}
        for member in flags:
            if member not in members:
                yield f"queues: {member} is not a member of the call queue {key}"
    for key in snapshot["calls"]:
        if int(key) not in directory.accounts_by_id:
            yield f"calls: {key} is not an account of the accounts"
    for key in snapshot["events"]["published"]:
        if directory.extension(int(key)) is None:
            yield f"events.published: {key} is not an extension of the accounts"
    frozen = snapshot["clock"].get("frozenAt")
    if frozen is not None and abs(float(frozen) - time.time()) > MAX_SHIFT:
        yield (
            f"clock.frozenAt: {frozen} is more than {MAX_SHIFT:.0f} seconds (10 years) from now, "
            "the furthest the emulator's clock moves"
        )
    yield from _subscription_problems(emulator, snapshot["subscriptions"])


def _subscription_problems(emulator: Emulator, records: list[dict[str, Any]]) -> Iterator[str]:
    directory = emulator.directory
    subscriptions = emulator.events.subscriptions
    transport = emulator.events.transport
    seen: set[str] = set()
    for n, record in enumerate(records):
        where = f"subscriptions[{n}]"
        if record["id"] in seen:
            yield f"{where}: the ID {record['id']} is there twice"
        seen.add(record["id"])
        try:
            Subscription.of(record)
        except (KeyError, TypeError, ValueError) as error:  # pragma: no cover - the schema's
            yield f"{where}: {error}"
            continue
        ext = directory.extension(int(record["extensionId"]))
        if ext is None or ext.account_id != int(record["accountId"]):
            yield f"{where}: extension {record['extensionId']} is not a user of its account"
        if directory.app(str(record["clientId"])) is None:
            yield f"{where}: no app has the client ID {record['clientId']}"
        address = str(record["address"])
        if subscriptions.https_only and not address.lower().startswith("https://"):
            yield f"{where}: the WebHook address is http:// and this server is https-only"
        elif not transport.has_receiver(address):
            try:
                transport.policy.check(address)
            except AddressRefused as refused:
                yield (
                    f"{where}: the WebHook address is refused ({refused}); allow its host "
                    "with --webhook-allow"
                )


def directory_of(snapshot: Snapshot, source: str = "snapshot") -> Directory:
    """The accounts of a (valid) snapshot, checked as a fixture's are."""
    try:
        return directory_from_dict(snapshot["directory"], f"{source}: directory")
    except ValueError as error:
        raise SnapshotError(str(error).splitlines()[0]) from None
