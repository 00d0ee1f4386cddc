"""Views of WebHook subscriptions (/restapi/v1.0/subscription): thin, over SubscriptionService.

WebSocket subscriptions are listed and read here too, but created, updated and deleted over the
gateway's socket only (the spec's createSubscription and updateSubscription texts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from mockserver.errors import InvalidParameter, JsonParseError
from mockserver.events.subscriptions import PATH, WEBSOCKET, Subscription
from mockserver.inputs import json_body
from mockserver.web.context import State, request_state
from mockserver.web.rendering import empty_response, json_response

INFO_SCHEMA = "subscription-info"
LIST_SCHEMA = "subscription-list-resource"


def _body(state: State) -> Any:
    """The JSON body, or None when there is none (PUT's renew)."""
    return json_body(state.request.get_data())


def _info(state: State, subscription: Subscription) -> Response:
    body = subscription.to_wire(state.base_url(), state.emulator.clock.now())
    return json_response(body, INFO_SCHEMA)


def _webhook(state: State, subscription_id: str) -> Subscription:
    """One of the caller's subscriptions that HTTP may change (not a WebSocket one)."""
    found = state.emulator.events.subscriptions.get(state.authenticated(), subscription_id)
    if found.transport == WEBSOCKET:
        raise InvalidParameter(
            "deliveryMode.transportType",
            message="Parameter [deliveryMode.transportType] value is invalid. WebSocket "
            "subscriptions are changed over their socket.",
        )
    return found


def list_subscriptions() -> Response:
    state = request_state()
    found = state.emulator.events.subscriptions.list(state.authenticated())
    at = state.emulator.clock.now()
    body = {
        "uri": state.base_url() + PATH,
        "records": [s.to_wire(state.base_url(), at) for s in found],
    }
    return json_response(body, LIST_SCHEMA)


def create_subscription() -> Response:
    state = request_state()
    body = _body(state)
    if body is None:
        raise JsonParseError()
    created = state.emulator.events.subscriptions.create(state.authenticated(), body)
    return _info(state, created)


def read_subscription(subscription: str) -> Response:
    state = request_state()
    return _info(
        state, state.emulator.events.subscriptions.get(state.authenticated(), subscription)
    )


def update_subscription(subscription: str) -> Response:
    state = request_state()
    _webhook(state, subscription)
    service = state.emulator.events.subscriptions
    return _info(state, service.update(state.authenticated(), subscription, _body(state)))


def renew_subscription(subscription: str) -> Response:
    state = request_state()
    _webhook(state, subscription)
    return _info(
        state, state.emulator.events.subscriptions.renew(state.authenticated(), subscription)
    )


def delete_subscription(subscription: str) -> Response:
    state = request_state()
    _webhook(state, subscription)
    state.emulator.events.subscriptions.delete(state.authenticated(), subscription)
    return empty_response(204)


VIEWS: dict[str, Callable[..., Response]] = {
    "listSubscriptions": list_subscriptions,
    "createSubscription": create_subscription,
    "createSubscriptionSlash": create_subscription,
    "readSubscription": read_subscription,
    "updateSubscription": update_subscription,
    "deleteSubscription": delete_subscription,
    "renewSubscription": renew_subscription,
}
