"""The one route table: every operation the emulator serves, declared once.

Each entry names the URL rule (werkzeug syntax), the method, and what the platform attaches to
the operation: its throttling group and app permission (the spec's `x-throttling-group` and
`x-app-permission`; docs/contract.md#endpoints) and the query parameters it accepts (the
spec's parameters). The web blueprints register their views from it, the request rules judge
query strings by it, and the rate limiter counts by its group: a URL shape is written here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

API_PREFIX: Final = "/restapi/v1.0"
OAUTH_PREFIX: Final = "/restapi/oauth"
CONTROLS_PREFIX: Final = "/_mock"

# The presence view flags (docs/contract.md#view-flags), accepted by every presence read.
FLAGS: Final = ("detailedTelephonyState", "sipData")
# `access_token` is accepted on every /restapi/v1.0 call (docs/contract.md#auth-bearer).
TOKEN_QUERY: Final = frozenset({"access_token"})
PAGING: Final = frozenset({"page", "perPage"})


Choices = str | tuple[str, ...]
"""A derived enum schema's name (e.g. "call-direction-enum"), or the spec's inline values."""


@dataclass(frozen=True, slots=True)
class Operation:
    endpoint: str  # the spec's operationId, or a name of our own for the controls
    method: str
    rule: str  # below the surface's prefix
    group: str | None = None  # throttling group, lower case as X-Rate-Limit-Group says it
    permission: str | None = None  # the app permission the operation needs
    query: frozenset[str] | None = None  # accepted query parameters; None: not judged
    booleans: tuple[str, ...] = ()  # query parameters that are true/false (view flags)
    multi: frozenset[str] = frozenset()  # query parameters the spec lets repeat (explode: true)
    body: str | None = None  # the schema of the request body, for PUT and PATCH
    body_required: bool = False
    batch: bool = False  # {extensionId} may list several IDs (a batch read)
    # The query parameters the spec gives an enum: each names a derived enum schema (schemas/)
    # or holds the values the spec writes inline. The request rules and the services that
    # filter by them read the values from here, so the spec is copied in one place.
    choices: tuple[tuple[str, Choices], ...] = ()
    allow_empty: frozenset[str] = frozenset()  # `allowEmptyValue`: an empty value, no filter
    max_length: tuple[tuple[str, int], ...] = ()  # the spec's maxLength of string parameters
    help: str = ""  # a control's line in the index GET /_mock/ serves (the API's are the spec's)

    def choices_of(self, name: str) -> Choices:
        return dict(self.choices)[name]


_EXTENSION_PRESENCE = "/account/<account>/extension/<extension>/presence"
_QUEUE_PRESENCE = "/account/<account>/call-queues/<group>/presence"
_AGENT_PRESENCE = "/account/<account>/extension/<extension>/call-queue-presence"
_UNIFIED = "/account/<account>/extension/<extension>/unified-presence"
_READ = frozenset(TOKEN_QUERY)

# WebHook subscriptions (docs/contract.md#subscriptions-webhook): the spec's throttling groups;
# the app permission SubscriptionWebhook (changelog 1.0.29). Create is served
# with and without a trailing slash (the SDKs differ), as two rows sharing one view.
_SUBSCRIPTION = "/subscription/<subscription>"
_WEBHOOK = "SubscriptionWebhook"
SUBSCRIPTIONS: Final = (
    Operation("listSubscriptions", "GET", "/subscription", "light", _WEBHOOK, _READ),
    Operation(
        "createSubscription",
        "POST",
        "/subscription",
        "medium",
        _WEBHOOK,
        _READ,
        body="create-subscription-request",
        body_required=True,
    ),
    Operation(
        "createSubscriptionSlash",
        "POST",
        "/subscription/",
        "medium",
        _WEBHOOK,
        _READ,
        body="create-subscription-request",
        body_required=True,
    ),
    Operation("readSubscription", "GET", _SUBSCRIPTION, "light", _WEBHOOK, _READ),
    Operation(
        "updateSubscription",
        "PUT",
        _SUBSCRIPTION,
        "medium",
        _WEBHOOK,
        _READ,
        body="update-subscription-request",
    ),
    Operation("deleteSubscription", "DELETE", _SUBSCRIPTION, "medium", _WEBHOOK, _READ),
    Operation("renewSubscription", "POST", _SUBSCRIPTION + "/renew", "light", _WEBHOOK, _READ),
)
API: Final = (
    Operation(
        "readUserPresenceStatus",
        "GET",
        _EXTENSION_PRESENCE,
        group="light",
        permission="ReadPresence",
        query=frozenset(FLAGS) | TOKEN_QUERY,
        booleans=FLAGS,
        batch=True,
    ),
    Operation(
        "updateUserPresenceStatus",
        "PUT",
        _EXTENSION_PRESENCE,
        group="medium",
        permission="EditPresence",
        query=TOKEN_QUERY,
        body="presence-info-request",
    ),
    Operation(
        "readAccountPresence",
        "GET",
        "/account/<account>/presence",
        group="heavy",
        permission="ReadPresence",
        query=frozenset(FLAGS) | PAGING | TOKEN_QUERY,
        booleans=FLAGS,
    ),
    # Call-queue presence, unified presence (docs/contract.md#queues, #unified-presence).
    Operation(
        "readCallQueuePresence",
        "GET",
        _QUEUE_PRESENCE,
        group="light",
        permission="ReadPresence",
        query=_READ,
    ),
    Operation(
        "updateCallQueuePresence",
        "PUT",
        _QUEUE_PRESENCE,
        group="medium",
        permission="EditPresence",
        query=_READ,
        body="call-queue-update-presence",
        body_required=True,
    ),
    Operation(
        "readExtensionCallQueuePresence",
        "GET",
        _AGENT_PRESENCE,
        group="light",
        permission="ReadPresence",
        query=frozenset({"editableMemberStatus"}) | TOKEN_QUERY,
        booleans=("editableMemberStatus",),
    ),
    Operation(
        "updateExtensionCallQueuePresence",
        "PUT",
        _AGENT_PRESENCE,
        group="medium",
        permission="EditPresence",
        query=_READ,
        body="extension-call-queue-update-presence-list",
        body_required=True,
    ),
    Operation(
        "readUnifiedPresence",
        "GET",
        _UNIFIED,
        group="medium",
        permission="ReadPresence",
        query=_READ,
        batch=True,
    ),
    Operation(
        "updateUnifiedPresence",
        "PATCH",
        _UNIFIED,
        group="medium",
        permission="EditPresence",
        query=_READ,
        body="update-unified-presence",
        body_required=True,
    ),
    # The directory a presence app reads, and active calls (docs/contract.md#directory,
    # #active-calls).
    Operation(
        "readAccountInfo",
        "GET",
        "/account/<account>",
        group="light",
        permission="ReadAccounts",
        query=_READ,
    ),
    Operation(
        "listExtensions",
        "GET",
        "/account/<account>/extension",
        group="medium",
        permission="ReadAccounts",
        query=frozenset({"extensionNumber", "email", "status", "type"}) | PAGING | TOKEN_QUERY,
        multi=frozenset({"email", "status", "type"}),
        choices=(("type", "all-extension-types-enum"), ("status", "extension-status-enum-full")),
        allow_empty=frozenset({"status"}),
        max_length=(("extensionNumber", 8), ("email", 254)),
    ),
    Operation(
        "readExtension",
        "GET",
        "/account/<account>/extension/<extension>",
        group="light",
        permission="ReadAccounts",
        query=_READ,
    ),
    Operation(
        "listExtensionActiveCalls",
        "GET",
        "/account/<account>/extension/<extension>/active-calls",
        group="heavy",
        permission="ReadCallLog",
        query=frozenset({"direction", "type", "view", "transport", "conferenceType"})
        | PAGING
        | TOKEN_QUERY,
        multi=frozenset({"direction", "type", "transport", "conferenceType"}),
        choices=(
            ("direction", "call-direction-enum"),
            ("type", "call-type-enum"),
            ("view", ("Simple", "Detailed")),
            ("transport", "call-transport-enum"),
            ("conferenceType", ("AudioConferencing", "Meetings")),
        ),
    ),
    *SUBSCRIPTIONS,
)


# The token endpoints have no user yet: the Auth group is keyed by the client (and username).
OAUTH: Final = (
    Operation("getToken", "POST", "/token", group="auth"),
    Operation("revokeToken", "POST", "/revoke", group="auth"),
    Operation("authorize", "GET", "/authorize"),
    # The WebSocket token (docs/contract.md#websocket-token): a bearer call (the caller's
    # session), counted in the Auth group.
    Operation("authWsToken", "POST", "/wstoken", group="auth", permission="WebSocket"),
)


def _control(endpoint: str, method: str, rule: str, help: str) -> Operation:
    return Operation(endpoint, method, rule, help=help)


CONTROLS: Final = (
    _control("index", "GET", "/", "this list: every control, its method and what it does"),
    _control(
        "health", "GET", "/health", "ok and the directory's size; 503 while the store is down"
    ),
    _control(
        "reset", "POST", "/reset", "presence, calls, journals, clock and chaos back to the start"
    ),
    _control(
        "requests", "GET", "/requests", "every /restapi request since the reset, with its verdict"
    ),
    _control(
        "exportHar",
        "GET",
        "/requests.har",
        "the session as HAR 1.2: requests and WebHook deliveries",
    ),
    _control("violations", "GET", "/violations", "only the requests that broke a request rule"),
    _control("readClock", "GET", "/clock", "the emulator's clock: offset, now, frozen"),
    _control("moveClock", "POST", "/clock", "move the clock: {offset}, {advance} or {freeze}"),
    # What was delivered (docs/contract.md#delivered-events-journal), and the event log itself.
    _control(
        "deliveredEvents",
        "GET",
        "/events",
        "every WebHook POST and WebSocket notification delivered (?subscriptionId=)",
    ),
    _control("eventLog", "GET", "/event-log", "the logged presence changes (?after=, ?limit=)"),
    _control(
        "gateway", "GET", "/gateway", "the WebSocket gateway's URLs: /ws, its event stream, health"
    ),
    _control(
        "credentials",
        "GET",
        "/credentials",
        "the demo login (?users=true: every user's); this machine or the controls token only",
    ),
)

# Why a subscription got a change or not (docs/explain.md; mockserver/web/explain_api.py).
EXPLAIN_CONTROLS: Final = (
    _control(
        "explainEvents",
        "GET",
        "/events/explain",
        "why each change reached a subscription or not (?subscriptionId=)",
    ),
)

# The run-time latency and fault rules (mockserver/web/chaos_api.py, its own blueprint).
CHAOS_CONTROLS: Final = (
    _control("readChaos", "GET", "/chaos", "the latency and fault rules in force"),
    _control("setChaos", "PUT", "/chaos", "replace the latency and fault rules ({rules: [...]})"),
    _control("clearChaos", "DELETE", "/chaos", "remove every latency and fault rule"),
)

# The emulator's state saved and loaded again (mockserver/web/snapshot_api.py; docs/snapshots.md).
SNAPSHOT_CONTROLS: Final = (
    _control("exportSnapshot", "GET", "/snapshot", "the emulator's state as a snapshot"),
    _control(
        "importSnapshot", "PUT", "/snapshot", "replace the state by a snapshot's, all or nothing"
    ),
)

# Simulated calls and meetings (mockserver/web/calls_api.py), beside the controls.
CALL_STEPS: Final = ("answer", "hold", "unhold", "park", "pickup", "transfer", "end")
CALLS: Final = (
    _control("listCalls", "GET", "/calls", "the simulated calls in progress"),
    _control("placeCall", "POST", "/calls", "ring an extension: {from, to, name}"),
    _control(
        "placeQueueCall", "POST", "/queue-calls", "an outside call to a queue: {queueId, from}"
    ),
    _control("readCall", "GET", "/calls/<session>", "one call by its telephonySessionId"),
    _control(
        "stepCall",
        "POST",
        f"/calls/<session>/<any({','.join(CALL_STEPS)}):step>",
        f"a step of a call: {', '.join(CALL_STEPS)}",
    ),
    _control(
        "stepMeeting",
        "POST",
        "/meetings/<extension>/<any(start,end):step>",
        "a user starts or ends a meeting",
    ),
    _control(
        "setPresence",
        "POST",
        "/presence/<extension>",
        "set a user's userStatus, dndStatus or message",
    ),
    _control(
        "listMagicNumbers",
        "GET",
        "/magic-numbers",
        "the outside numbers whose calls end busy, unanswered, on voicemail, ...",
    ),
    _control("readActivity", "GET", "/activity", "the background activity (office-day) playing"),
    _control("startActivity", "POST", "/activity", "start office-day: {name, rate, seed}"),
    _control("stopActivity", "DELETE", "/activity", "stop the background activity"),
)
# The presence board, a page and the JSON it reads, acting for the page without
# OAuth and outside the platform's rate limits like every control (no group, no permission).
BOARD: Final = (
    _control("page", "GET", "/board", "the presence board, a page for a browser"),
    _control("setup", "GET", "/board/setup", "what the board's page needs to start"),
    _control("rows", "GET", "/board/extensions", "the board's cards, a page at a time"),
    _control("row", "GET", "/board/extensions/<extension>", "one card"),
    _control(
        "update",
        "POST",
        "/board/extensions/<extension>/presence",
        "change a user's presence as the board does",
    ),
    _control("requests", "GET", "/board/requests", "the newest requests, for the board's panel"),
    _control("readSwitch", "GET", "/board/switch", "whether the board is on"),
    _control("moveSwitch", "POST", "/board/switch", "switch the board on or off: {enabled}"),
)
# `/` leads to the board; with the board off it is an unknown route again.
ROOT: Final = (Operation("home", "GET", "/"),)

SURFACES: Final = {
    "api": API_PREFIX,
    "oauth": OAUTH_PREFIX,
    "controls": CONTROLS_PREFIX,
    "chaos": CONTROLS_PREFIX,
    "explain": CONTROLS_PREFIX,
    "snapshot": CONTROLS_PREFIX,
    "calls": CONTROLS_PREFIX,
    "board": CONTROLS_PREFIX,
    "root": "",
}
BY_ENDPOINT: Final = {
    f"{surface}.{operation.endpoint}": operation
    for surface, table in (
        ("api", API),
        ("oauth", OAUTH),
        ("controls", CONTROLS),
        ("chaos", CHAOS_CONTROLS),
        ("explain", EXPLAIN_CONTROLS),
        ("snapshot", SNAPSHOT_CONTROLS),
        ("calls", CALLS),
        ("board", BOARD),
        ("root", ROOT),
    )
    for operation in table
}

Matched = tuple[Operation, dict[str, str]]


def url_rule(surface: str, operation: Operation) -> str:
    return SURFACES[surface] + operation.rule


@lru_cache(maxsize=1)
def _url_map() -> Map:
    return Map(
        [
            Rule(url_rule(name.partition(".")[0], op), endpoint=name, methods=[op.method])
            for name, op in BY_ENDPOINT.items()
        ]
    )


def match(method: str, path: str) -> Matched | None:
    """The operation a request names, with its path parameters; None where the table has none.

    For judging a request nobody served; the web app matches with Flask's own map, built from
    this same table.
    """
    try:
        endpoint, params = _url_map().bind("localhost").match(path, method)
    except HTTPException:  # NotFound, MethodNotAllowed
        return None
    return BY_ENDPOINT[str(endpoint)], dict(params)
