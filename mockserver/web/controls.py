"""The emulator's controls (/_mock/): health, reset, the journal and the clock.

Never part of the RingCentral surface; a test or a developer drives the emulator through them.
"""

from __future__ import annotations

import math

from flask import Blueprint, Response, request

from mockserver.errors import InvalidParameter, JsonParseError
from mockserver.inputs import load_json
from mockserver.operations import CONTROLS, CONTROLS_PREFIX
from mockserver.web.context import emulator
from mockserver.web.rendering import json_response
from mockserver.web.routing import register

blueprint = Blueprint("controls", __name__, url_prefix=CONTROLS_PREFIX)


def health() -> Response:
    directory = emulator().directory
    body = {
        "status": "ok",
        "accounts": len(directory.accounts),
        "extensions": sum(len(a.extensions) for a in directory.accounts),
    }
    return json_response(body)


def reset() -> Response:
    emulator().reset()
    return json_response({"status": "reset"})


def requests() -> Response:
    """Every /restapi request since the last reset, oldest first, with its verdict."""
    return json_response(emulator().journal.entries())


def violations() -> Response:
    """Only the requests that break the request rules."""
    return json_response(emulator().journal.violations())


def read_clock() -> Response:
    clock = emulator().clock
    return json_response({"offset": clock.offset, "now": clock.now()})


def move_clock() -> Response:
    """Move the emulator's clock (every worker's: it lives in the store) forward by
    `{"advance": seconds}`, so tokens, codes and rate-limit windows expire without sleeping.
    Time never goes back: that would revive expired tokens (docs/decisions.md)."""
    try:
        body = load_json(request.get_data() or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise JsonParseError() from None
    seconds = body.get("advance") if isinstance(body, dict) else None
    if (
        not isinstance(seconds, int | float)
        or isinstance(seconds, bool)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise InvalidParameter("advance")
    emulator().clock.advance(seconds)
    return read_clock()


register(
    blueprint,
    CONTROLS,
    {
        "health": health,
        "reset": reset,
        "requests": requests,
        "violations": violations,
        "readClock": read_clock,
        "moveClock": move_clock,
    },
)
