"""/_mock/calls and /_mock/meetings: drive simulated calls and meetings over HTTP.

Thin views over `CallEngine` (mockserver/telephony/call_engine.py): each parses its JSON body, names
the account (`accountId`, default the first), runs one step and answers the call's session as
`/_mock/calls` shows it. Refusals are the engine's, in the platform's error shape. Like every
control, the routes obey `--controls` (off, token).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from mockserver.config import ACTIVITIES
from mockserver.errors import InvalidParameter
from mockserver.inputs import json_object_body
from mockserver.operations import CALLS, CONTROLS_PREFIX
from mockserver.presence.parsing import update_body
from mockserver.telephony import magic
from mockserver.telephony.call_engine import CallEngine
from mockserver.web.context import emulator
from mockserver.web.rendering import json_response
from mockserver.web.routing import register

blueprint = Blueprint("calls", __name__, url_prefix=CONTROLS_PREFIX)

# The body fields each request takes, and whether they are required.
PLACE = {"from": True, "to": True, "name": False, "accountId": False}
QUEUE = {"queueId": True, "from": True, "name": False, "accountId": False}
STEP_FIELDS: dict[str, dict[str, bool]] = {
    "answer": {"extensionId": False},
    "hold": {"extensionId": False},
    "unhold": {"extensionId": False},
    "park": {"extensionId": False, "location": False},
    "pickup": {"extensionId": True},
    "transfer": {"extensionId": False, "to": True, "warm": False},
    "end": {"extensionId": False},
}
COMMON = {"accountId": False}


def _engine() -> CallEngine:
    return emulator().telephony


def _json_object() -> dict[str, Any]:
    """The request's JSON object ({} for no body); CMN-103 for anything else."""
    return json_object_body(request.get_data(), empty={})


def _body(fields: dict[str, bool]) -> dict[str, Any]:
    """The JSON object of the request, checked against `fields`: strings or numbers (`warm` a
    boolean), the required ones present; anything else is 400 CMN-101 naming the field."""
    body = _json_object()
    for name, value in body.items():
        if name not in fields:
            raise InvalidParameter(name)
        if name == "warm":
            if not isinstance(value, bool):
                raise InvalidParameter(name)
        elif isinstance(value, bool) or not isinstance(value, str | int) or value == "":
            raise InvalidParameter(name)
    for name, required in fields.items():
        if required and name not in body:
            raise InvalidParameter(name)
    return {k: (v if isinstance(v, bool) else str(v)) for k, v in body.items()}


def list_calls() -> Response:
    engine = _engine()
    account = engine.account(request.args.get("accountId"))
    return json_response({"records": engine.sessions(account), "placed": engine.placed(account)})


def place_call() -> Response:
    body = _body(PLACE)
    engine = _engine()
    account = engine.account(body.get("accountId"))
    return json_response(
        engine.call(account, body["from"], body["to"], body.get("name")), status=201
    )


def place_queue_call() -> Response:
    body = _body(QUEUE)
    engine = _engine()
    account = engine.account(body.get("accountId"))
    session = engine.queue_call(account, body["queueId"], body["from"], body.get("name"))
    return json_response(session, status=201)


def read_call(session: str) -> Response:
    engine = _engine()
    return json_response(engine.session(engine.account(request.args.get("accountId")), session))


def step_call(session: str, step: str) -> Response:
    body = _body({**STEP_FIELDS[step], **COMMON})
    engine = _engine()
    account = engine.account(body.get("accountId"))
    by = body.get("extensionId")
    if step == "park":
        return json_response(engine.park(account, session, by, body.get("location")))
    if step == "pickup":
        return json_response(engine.pickup(account, session, body["extensionId"]))
    if step == "transfer":
        warm = bool(body.get("warm", False))
        return json_response(engine.transfer(account, session, body["to"], by, warm))
    steps = {"answer": engine.answer, "hold": engine.hold, "unhold": engine.unhold}
    if step == "end":
        return json_response(engine.end(account, session, by))
    return json_response(steps[step](account, session, by))


def step_meeting(extension: str, step: str) -> Response:
    body = _body(COMMON)
    engine = _engine()
    account = engine.account(body.get("accountId"))
    return json_response(engine.meeting(account, extension, start=step == "start"))


def set_presence(extension: str) -> Response:
    """A user's writable presence fields (the PresenceInfoRequest body, checked as a PUT's),
    without a token: for scenarios and the office that moves by itself."""
    engine = _engine()
    account = engine.account(request.args.get("accountId"))
    changes = update_body(request.get_data())
    return json_response(engine.set_presence(account, extension, dict(changes)))


def read_activity() -> Response:
    """The background activity asked for, if any, and who plays it (telephony/player.py)."""
    engine = _engine()
    found = engine.activity()
    if not found:
        return json_response({"active": False})
    player = engine.player()
    playing = {"player": player} if player and player.get("run") == found.get("run") else {}
    return json_response({"active": True, **found, **playing})


def start_activity() -> Response:
    """Ask for a background activity (again, after a reset stopped it): `{"name":
    "office-day", "rate": 1.0, "seed": n}`; the player of `serve`'s gateway process (or of `flask
    run`) plays it (telephony/player.py)."""
    body = _json_object()
    for name in body:
        if name not in ("name", "rate", "seed"):
            raise InvalidParameter(name)
    settings = emulator().settings
    name = body.get("name", "office-day")
    rate = body.get("rate", settings.activity_rate)
    seed = body.get("seed", settings.seed)
    if name not in ACTIVITIES:
        raise InvalidParameter("name")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1000:
        raise InvalidParameter("rate")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise InvalidParameter("seed")
    record = _engine().start_activity(name, float(rate), seed)
    return json_response({"active": True, **record})


def stop_activity() -> Response:
    _engine().stop_activity()
    return json_response({"active": False})


def list_magic_numbers() -> Response:
    """The outside numbers whose calls end in a fixed way (docs/magic-numbers.md)."""
    return json_response({"records": magic.table()})


register(
    blueprint,
    CALLS,
    {
        "listCalls": list_calls,
        "placeCall": place_call,
        "placeQueueCall": place_queue_call,
        "readCall": read_call,
        "stepCall": step_call,
        "stepMeeting": step_meeting,
        "setPresence": set_presence,
        "listMagicNumbers": list_magic_numbers,
        "readActivity": read_activity,
        "startActivity": start_activity,
        "stopActivity": stop_activity,
    },
)
