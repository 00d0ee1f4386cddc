"""The emulator's controls (/_mock/): health, reset, the journal and the clock.

Never part of the RingCentral surface; a test or a developer drives the emulator through them.
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import Any

from flask import Blueprint, Response, current_app, request

from mockserver import access
from mockserver.config import Settings
from mockserver.errors import (
    InvalidParameter,
)
from mockserver.inputs import is_finite_number, json_body, whole_number
from mockserver.operations import BY_ENDPOINT, CONTROLS, CONTROLS_PREFIX, Operation, url_rule
from mockserver.platform.users import users
from mockserver.redaction import mask_address
from mockserver.storage.outage import store_unavailable
from mockserver.validation.har import har_log
from mockserver.web import board
from mockserver.web.context import emulator, request_state
from mockserver.web.gateway_links import links
from mockserver.web.rendering import json_response
from mockserver.web.routing import register

blueprint = Blueprint("controls", __name__, url_prefix=CONTROLS_PREFIX)
MODES = access.MODES


def check_settings(settings: Settings) -> None:
    """Refuse a lock that cannot work, at start-up rather than on the first request. The lock
    itself (`off`: gone but health; `token`: the bearer of the secret) is the access rule's,
    applied to every request by web/access.py, and by the gateway to its own."""
    access.check_settings(settings)


def health() -> Response:
    """`ok` with the directory's size; while the store cannot be reached, 503 CMN-201 with
    Retry-After and `"store": "down"` (probed now, with the store's short timeouts)."""
    found = emulator()
    directory = found.directory
    counts = {
        "accounts": len(directory.accounts),
        "extensions": sum(len(a.extensions) for a in directory.accounts),
    }
    if not found.outage.check():
        down = store_unavailable()
        body = {**down.to_body(), "status": "unavailable", "store": "down", **counts}
        return json_response(body, status=down.status, extra=down.headers)
    return json_response({"status": "ok", "store": "ok", **counts})


def reset() -> Response:
    emulator().reset()
    return json_response({"status": "reset"})


def index() -> Response:
    """Every control of this server, from the route table: its method, path and line of help.
    The gateway's own (its WebSocket, event stream and health) are named by /_mock/gateway."""
    found = [
        {"method": operation.method, "path": _shown(url_rule(surface, operation)), "help": text}
        for surface, operation, text in _controls()
    ]
    return json_response({"records": found})


def _controls() -> list[tuple[str, Operation, str]]:
    """(surface, operation, help) of every /_mock route this app serves (the board's only when
    it is on), in the route table's order."""
    served = {rule.endpoint for rule in current_app.url_map.iter_rules()}
    if not board.enabled():  # switched off: gone but its switch (web/board.py)
        served -= {name for name in served if name.startswith("board.")} - board.ALWAYS_THERE
    return [
        (name.partition(".")[0], operation, operation.help)
        for name, operation in BY_ENDPOINT.items()
        if name in served and url_rule(name.partition(".")[0], operation).startswith(PREFIXED)
    ]


def _shown(rule: str) -> str:
    """A URL rule as a person reads it: `<session>`, `{answer|hold|...}` for a choice."""
    return _CONVERTER.sub(
        lambda m: "{" + m.group(2).replace(",", "|") + "}" if m.group(1) else f"<{m.group(3)}>",
        rule,
    )


PREFIXED = CONTROLS_PREFIX + "/"
_CONVERTER = re.compile(r"<(?:(any)\(([^)]*)\):[a-z_]+|([a-z_]+))>")


def requests() -> Response:
    """Every /restapi request since the last reset, oldest first, with its verdict:
    `{"records": [...]}` as every list control answers."""
    return json_response({"records": emulator().journal.entries()})


def package_version() -> str:
    try:
        return metadata.version("presence-mock")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def export_har() -> Response:
    """The session as HAR 1.2: every /restapi request since the last reset and every WebHook
    delivery attempt (docs/session-export.md), to open in devtools, Postman or Mockoon."""
    found = emulator()
    document = har_log(
        found.journal.entries(),
        found.events.delivered.entries(),
        request_state().base_url(),
        package_version(),
    )
    response = json_response(document)
    response.headers["Content-Disposition"] = 'attachment; filename="presence-mock.har"'
    return response


def violations() -> Response:
    """Only the requests that break the request rules (`{"records": [...]}`)."""
    return json_response({"records": emulator().journal.violations()})


def credentials() -> Response:
    """What a client logs in with here: the demo app and the first account's administrator, and
    with `?users=true` every user's login (as `presence-mock credentials --json`). The access
    rule gives it only to a client on this machine, or to the controls token's holder."""
    found = emulator()
    body: dict[str, Any] = {"serverUrl": request.host_url.rstrip("/"), **found.credentials()}
    wanted = request.args.get("users")
    if wanted not in (None, "true", "false"):
        raise InvalidParameter("users")
    if wanted == "true":
        body["users"] = users(found.directory, found.keys)
    return json_response(body)


def read_clock() -> Response:
    clock = emulator().clock
    return json_response({"offset": clock.offset, "now": clock.now(), "frozen": clock.frozen})


def gateway() -> Response:
    """Where `serve`'s WebSocket gateway and event stream are (none under `flask run`
    or in process: the URLs then name the port a `serve` of these settings would use)."""
    return json_response(links(request.host, emulator().settings))


CLOCK_FIELDS = ("offset", "advance", "freeze")


def move_clock() -> Response:
    """Move the emulator's clock (every worker's: it lives in the store): `{"offset": s}` sets
    it s seconds from real time, `{"advance": s}` moves it forward, `{"freeze": true|false}`
    stops or restarts it; given together they apply in that order. Out-of-range or ill-typed
    values are a 400 naming the field, and nothing changes (docs/decisions.md)."""
    body = json_body(request.get_data(), empty={})
    if not isinstance(body, dict) or not body:
        raise InvalidParameter(
            "advance", message="Expected a JSON object with advance, offset or freeze."
        )
    for name in body:
        if name not in CLOCK_FIELDS:
            raise InvalidParameter(name)
    for name in ("offset", "advance"):
        if name in body and not is_finite_number(body[name]):
            raise InvalidParameter(name)
    if "freeze" in body and not isinstance(body["freeze"], bool):
        raise InvalidParameter("freeze")
    emulator().clock.change(
        offset=body.get("offset"), advance=body.get("advance"), freeze=body.get("freeze")
    )
    return read_clock()


def delivered_events() -> Response:
    """Every delivery attempt since the last reset, oldest first: each WebHook POST with the
    receiver's answer, each WebSocket notification (docs/contract.md#delivered-events-journal).
    `?subscriptionId=` narrows it."""
    entries = emulator().events.delivered.entries()
    wanted = request.args.get("subscriptionId")
    if wanted is not None:
        entries = [e for e in entries if e["subscriptionId"] == wanted]
    # A receiver's password or query secret in its address is not shown (redaction.py).
    shown = [{**e, "address": mask_address(e["address"])} if "address" in e else e for e in entries]
    return json_response({"records": shown})


def event_log() -> Response:
    """The logged presence changes after `?after=` (0), at most `?limit=` (100, up to 1000)."""
    after, limit = _whole("after", 0), min(_whole("limit", 100), 1000)
    log = emulator().events.log
    changes = [c.to_wire() for c in log.after(after, limit)]
    return json_response({"records": changes, "last": log.last()})


def _whole(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    found = whole_number(raw, 12)
    if found is None:
        raise InvalidParameter(name)
    return found


register(
    blueprint,
    CONTROLS,
    {
        "index": index,
        "credentials": credentials,
        "deliveredEvents": delivered_events,
        "eventLog": event_log,
        "health": health,
        "reset": reset,
        "requests": requests,
        "exportHar": export_har,
        "violations": violations,
        "readClock": read_clock,
        "moveClock": move_clock,
        "gateway": gateway,
    },
)
