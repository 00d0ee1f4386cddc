"""The presence board: a page at /_mock/board, `/` leading to it, and its JSON.

The page is a Jinja template with plain JavaScript and CSS beside it in the package (no build
step, nothing from a CDN). Its data endpoints act for the page like every /_mock/ control: no
OAuth, outside the platform's rate limits, behind the controls lock (`--controls`); they read
and write through the same services as the REST API (board_rows.py), so a change made here
fires the same presence events as a PUT. The board can be switched off by a setting
(`--no-board`, PRESENCE_MOCK_BOARD=0) and, while running, by `POST /_mock/board/switch`.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from mockserver import access
from mockserver.directory.model import DND_STATUSES
from mockserver.errors import InvalidParameter, ResourceNotFound
from mockserver.inputs import json_body
from mockserver.operations import BOARD, CONTROLS_PREFIX, ROOT
from mockserver.presence import parsing
from mockserver.telephony import magic
from mockserver.web import board_rows
from mockserver.web.context import emulator, request_state
from mockserver.web.gateway_links import links
from mockserver.web.rendering import json_response
from mockserver.web.routing import register

blueprint = Blueprint(
    "board",
    __name__,
    url_prefix=CONTROLS_PREFIX,
    template_folder="templates",
    static_folder="static",
    static_url_path="/board/static",
)
root = Blueprint("root", __name__)

SWITCH = ("board", "switch")  # the running switch, in the store: every worker reads it
ALWAYS_THERE = frozenset({"board.readSwitch", "board.moveSwitch"})
# The dndStatus values offered (the spec's enum but Unknown, which nobody chooses).
DND_CHOICES = tuple(s for s in DND_STATUSES if s != "Unknown")
REQUESTS_SHOWN = 200  # the journal panel's newest entries


def enabled() -> bool:
    """The setting, unless `POST /_mock/board/switch` has said otherwise since."""
    services = emulator()
    found = services.store.get(*SWITCH)
    if found is None:
        return services.settings.board
    return bool(found.get("enabled"))


@blueprint.before_request
def guarded() -> Response | None:
    """Only the board's own routes, once the access rule let the request in (web/access.py: the
    controls lock, but for the page's shell under `token`): the switch (off: gone, but the
    switch)."""
    endpoint = request.endpoint or ""
    if not endpoint.startswith("board."):
        return None
    if request.endpoint not in ALWAYS_THERE and not enabled():
        raise ResourceNotFound("uri")
    return None


def home() -> Response:
    """`/`: the board, where it is on; else what any unknown route answers."""
    if emulator().settings.controls == "off" or not enabled():
        raise ResourceNotFound("uri")
    return redirect(url_for("board.page"), 302)  # type: ignore[return-value]


def page() -> Response:
    html = render_template("board.html", prefix=CONTROLS_PREFIX, magic_numbers=magic.table())
    answer = Response(html, 200, content_type="text/html; charset=utf-8")
    # Nothing but the package's own files (the page works offline; docs/board.md): any stream
    # URL (the gateway's port) is fetched by `connect-src`.
    answer.headers["Content-Security-Policy"] = (
        "default-src 'self'; connect-src 'self' http: https:; img-src 'self' data:; "
        "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return answer


def setup() -> Response:
    """What the page needs once: the accounts, the filters' choices, the clock, the stream."""
    state = request_state()
    services = state.emulator
    account = board_rows.account_of(services, state.query)
    body: dict[str, Any] = {
        "account": {"id": account.id, "name": account.name, "mainNumber": account.main_number},
        "accounts": [{"id": a.id, "name": a.name} for a in services.directory.accounts],
        "extensions": len(account.extensions),
        "types": sorted({e.type.value for e in account.extensions}),
        "statuses": list(board_rows.PRESENCE_STATUSES),
        "telephony": list(board_rows.TELEPHONY_STATUSES),
        "queues": [
            {"id": e.id, "name": e.name, "extensionNumber": e.number}
            for e in account.extensions
            if e.members
        ],
        "userStatuses": ["Available", "Busy", "Offline"],
        "dndStatuses": list(DND_CHOICES),
        "now": services.clock.now() * 1000,
        "stream": stream_url(),
        "calls": calls_url(),
        "activity": activity(),
        "events": _served(f"{CONTROLS_PREFIX}/events"),
        "eventLog": _served(f"{CONTROLS_PREFIX}/event-log"),
        # The event log's newest position before the rows are read: the stream (or the log,
        # polled) is read from there, so no change falls between the two.
        "position": services.events.log.last(),
    }
    return json_response(body)


def stream_url() -> str:
    """The gateway's Server-Sent Events URL (decision WS-15) on the host name the page used, as
    `/_mock/gateway` says it. Where no gateway runs (flask run, the in-process mode) nothing
    answers there: the page then follows the REST app's event log (docs/board.md). Under
    `--controls token` the URL carries a ticket: a browser's EventSource sends no header, and
    the page, which holds the secret, is who asked for this setup (mockserver/access.py)."""
    settings = emulator().settings
    url = str(links(request.host, settings)["stream"])
    if settings.controls == "token":
        url += f"?{access.TICKET_PARAMETER}={access.stream_ticket(settings)}"
    return url


def calls_url() -> dict[str, str] | None:
    """Where the page starts and steers calls (`/_mock/calls`), when served: URL
    templates with `{session}`, `{step}` and `{extension}` for the page to fill."""
    views = current_app.view_functions
    if "calls.placeCall" not in views:
        return None
    found = {
        "place": f"{CONTROLS_PREFIX}/calls",
        "step": f"{CONTROLS_PREFIX}/calls/{{session}}/{{step}}",
        "meeting": f"{CONTROLS_PREFIX}/meetings/{{extension}}/{{step}}",
    }
    return found


def activity() -> dict[str, Any] | None:
    """office-day as the page's button shows it: where to start (POST) and stop
    (DELETE) it and whether it runs (the server's own player plays it: telephony/player.py)."""
    if "calls.startActivity" not in current_app.view_functions:
        return None
    services = emulator()
    return {
        "url": f"{CONTROLS_PREFIX}/activity",
        "running": services.telephony.activity() is not None,
    }


def _served(path: str) -> str | None:
    """`path` where this app serves it (the delivered-events journal and the event log of issue
    13), else None."""
    served = any(rule.rule == path for rule in current_app.url_map.iter_rules())
    return path if served else None


def rows() -> Response:
    state = request_state()
    account = board_rows.account_of(state.emulator, state.query)
    return json_response(board_rows.page_of(state.emulator, state.base_url(), account, state.query))


def row(extension: str) -> Response:
    state = request_state()
    account = board_rows.account_of(state.emulator, state.query)
    ext = board_rows.extension_of(account, extension)
    return json_response(board_rows.rows_of(state.emulator, state.base_url(), account, [ext])[0])


def update(extension: str) -> Response:
    """userStatus, dndStatus and message (any writable field) through `PresenceService.update`,
    as the account's administrator: the same checks and the same change events as a PUT."""
    state = request_state()
    services = state.emulator
    account = board_rows.account_of(services, state.query)
    ext = board_rows.extension_of(account, extension)
    changes = parsing.update_body(state.request.get_data())
    caller = board_rows.board_caller(services, account)
    services.presence.update(state.base_url(), caller, str(account.id), str(ext.id), changes)
    return json_response(board_rows.rows_of(services, state.base_url(), account, [ext])[0])


def requests() -> Response:
    """The request journal for the panel (`{"records": [...]}`, as every list control): newest
    first, only entries after `after` (an entry's `time`), at most REQUESTS_SHOWN."""
    after = request.args.get("after", "")
    entries = request_state().emulator.journal.entries()
    newer = [entry for entry in entries if entry["time"] > after]
    return json_response({"records": list(reversed(newer[-REQUESTS_SHOWN:]))})


def read_switch() -> Response:
    return json_response({"enabled": enabled()})


def move_switch() -> Response:
    """`{"enabled": true|false}`: the board on or off for every worker sharing the store."""
    body = json_body(request.get_data())
    if not isinstance(body, dict) or set(body) != {"enabled"}:
        raise InvalidParameter("enabled", message="Expected a JSON object with enabled.")
    if not isinstance(body["enabled"], bool):
        raise InvalidParameter("enabled")
    emulator().store.put(*SWITCH, {"enabled": body["enabled"]})
    return read_switch()


register(
    blueprint,
    BOARD,
    {
        "page": page,
        "setup": setup,
        "rows": rows,
        "row": row,
        "update": update,
        "requests": requests,
        "readSwitch": read_switch,
        "moveSwitch": move_switch,
    },
)
register(root, ROOT, {"home": home})
