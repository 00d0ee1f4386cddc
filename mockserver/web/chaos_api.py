"""Latency and faults in the request's path, and their controls (/_mock/chaos).

`begin` runs first in the `prepare` hook for /restapi requests when there are rules or a
`Prefer` header: it waits the planned delay, then answers a platform error (503 CMN-201 with
Retry-After, 500, 429 CMN-301 with the rate-limit headers) or a broken answer (reset, empty,
stall: mockserver/chaos/faults.py); a truncation lets the view answer and `finish` cuts it.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, request

from mockserver.chaos import Fault, broken_body, hang_up, stall
from mockserver.errors import InternalError, RateLimited, ServiceUnavailable
from mockserver.inputs import json_body
from mockserver.operations import CHAOS_CONTROLS, CONTROLS_PREFIX
from mockserver.platform.ratelimit import PENALTY
from mockserver.web.context import State, emulator
from mockserver.web.rendering import error_response, json_response
from mockserver.web.routing import register

blueprint = Blueprint("chaos", __name__, url_prefix=CONTROLS_PREFIX)
UNAVAILABLE_RETRY = 10  # seconds in a 503's Retry-After unless the rule says (decisions.md)


def begin(state: State) -> Response | None:
    """Apply the plan for this request: None lets it be served (perhaps late, or to be cut)."""
    operation = state.operation
    if operation is None:
        return None
    prefer = state.request.environ.get("HTTP_PREFER")
    plan = state.emulator.chaos.plan(operation.endpoint, prefer)
    if plan is None:
        return None
    if plan.delay:
        time.sleep(plan.delay)
    if plan.fault is None:
        return None
    state.judged = True  # journalled with its fault, even where no rule was checked
    state.fault = plan.fault
    if plan.fault == Fault.TRUNCATE:
        return None  # served, then cut in `finish`
    if plan.fault.network:
        environ = state.request.environ
        if plan.fault == Fault.STALL:
            stall(environ, plan.stall)
        else:
            hang_up(plan.fault, environ)
        body = broken_body(plan.fault, environ)
        return Response(body, 200, {"Content-Length": "64"}, direct_passthrough=True)
    if plan.fault == Fault.UNAVAILABLE:
        retry = plan.retry if plan.retry is not None else UNAVAILABLE_RETRY
        return error_response(ServiceUnavailable(headers={"Retry-After": str(retry)}))
    if plan.fault == Fault.RATE_LIMITED:
        state.rate_headers = _throttled(state, plan.retry)
        return error_response(RateLimited())
    return error_response(InternalError())


def _throttled(state: State, retry: int | None) -> dict[str, str]:
    """The headers of the limiter's own 429 for this operation's group (CHAOS-3)."""
    operation = state.operation
    group = operation.group if operation is not None and operation.group else "light"
    limit = state.emulator.limiter.limits[group]
    return {
        "X-Rate-Limit-Group": group,
        "X-Rate-Limit-Limit": str(limit.requests),
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Window": str(limit.window),
        "Retry-After": str(retry if retry is not None else PENALTY),
    }


def finish(state: State, response: Response) -> Response:
    """Cut a served answer half way (the fault `truncate`): its Content-Length stays whole."""
    if state.fault != Fault.TRUNCATE:
        return response
    body = response.get_data()
    response.response = broken_body(Fault.TRUNCATE, state.request.environ, body)
    response.headers["Content-Length"] = str(len(body))
    response.direct_passthrough = True
    return response


def read_chaos() -> Response:
    return json_response(emulator().chaos.describe())


def set_chaos() -> Response:
    """Replace the run-time rules: {"seed": N, "rules": [{"latency": "800ms", ...}, ...]}."""
    body = json_body(request.get_data(), empty={})
    return json_response(emulator().chaos.set(body))


def clear_chaos() -> Response:
    return json_response(emulator().chaos.set({"rules": []}))


register(
    blueprint,
    CHAOS_CONTROLS,
    {"readChaos": read_chaos, "setChaos": set_chaos, "clearChaos": clear_chaos},
)
