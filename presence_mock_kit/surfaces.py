"""Which parts of the API a run judges: the kit's surfaces, each a set of endpoints.

A server may serve only part of what the emulator does (a team's gateway in front of the
platform may serve the presence operations alone): `--surface presence` (the pytest option
`--presence-surface`) judges those and leaves the rest unchecked, saying so in the summary.
"""

from __future__ import annotations

from .checks import ACCOUNT, BATCH, PUT, SINGLE

# The endpoints the cases judge (each case names one with its `endpoint` marker).
BATCH_JSON = "GET /account/~/extension/{ids}/presence (batch as JSON)"
DIRECTORY = "GET /account/~/extension"
ACCOUNT_INFO = "GET /account/~"
EXTENSION_INFO = "GET /account/~/extension/{id}"
QUEUES = "GET call-queue presence (queue and agent views)"
UNIFIED = "GET /account/~/extension/~/unified-presence"
ACTIVE_CALLS = "GET /account/~/extension/{id}/active-calls"
SUBSCRIPTION = "POST /subscription (WebHook)"
EVENTS = "WebHook presence events"

# Surface name -> the endpoints it covers. `presence`: the three presence operations (read one
# or a batch, read the account's, update one), in every form the platform answers them.
SURFACES: dict[str, frozenset[str]] = {
    "presence": frozenset({SINGLE, BATCH, BATCH_JSON, ACCOUNT, PUT}),
    "queues": frozenset({QUEUES}),
    "unified": frozenset({UNIFIED}),
    "directory": frozenset({DIRECTORY, ACCOUNT_INFO, EXTENSION_INFO}),
    "calls": frozenset({ACTIVE_CALLS}),
    "subscriptions": frozenset({SUBSCRIPTION, EVENTS}),
}
ALL = "all"


def parse_surfaces(text: str | None, flag: str = "--surface") -> tuple[str, ...]:
    """The surfaces a comma-separated list names, in the table's order; every one for None,
    empty or `all`. A name that is not one: ValueError with one line naming the known ones."""
    names = [name.strip().lower() for name in (text or "").split(",") if name.strip()]
    if not names or names == [ALL]:
        return tuple(SURFACES)
    unknown = [name for name in names if name not in SURFACES]
    if unknown:
        raise ValueError(
            f"{flag} {text}: unknown surface {', '.join(unknown)}; "
            f"expected a comma-separated list of {', '.join(SURFACES)} (or {ALL})"
        )
    return tuple(name for name in SURFACES if name in names)


def surface_of(endpoint: str) -> str | None:
    """The surface an endpoint belongs to; None for one no surface names (always judged)."""
    for name, endpoints in SURFACES.items():
        if endpoint in endpoints:
            return name
    return None
