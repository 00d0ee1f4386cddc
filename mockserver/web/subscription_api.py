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
from mockserver.web.context import State, state
from mockserver.web.rendering import empty_response, json_response

INFO_SCHEMA = "subscription-info"
LIST_SCHEMA = "subscription-list-resource"


def _body(now: State) -> Any:
    """The JSON body, or None when there is none (PUT's renew)."""
    return json_body(now.request.get_data())


def _info(now: State, subscription: Subscription) -> Response:
    body = subscription.to_wire(now.base_url(), now.emulator.clock.now())
    return json_response(body, INFO_SCHEMA)


def _webhook(now: State, subscription_id: str) -> Subscription:
    """One of the caller's subscriptions that HTTP may change (not a WebSocket one)."""
    found = now.emulator.events.subscriptions.get(now.authenticated(), subscription_id)
    if found.transport == WEBSOCKET:
        raise InvalidParameter(
            "deliveryMode.transportType",
            message="Parameter [deliveryMode.transportType] value is invalid. WebSocket "
            "subscriptions are changed over their socket.",
        )
    return found


def list_subscriptions() -> Response:
    now = state()
    found = now.emulator.events.subscriptions.list(now.authenticated())
    at = now.emulator.clock.now()
    body = {
        "uri": now.base_url() + PATH,
        "records": [s.to_wire(now.base_url(), at) for s in found],
    }
    return json_response(body, LIST_SCHEMA)


def create_subscription() -> Response:
    now = state()
    body = _body(now)
    if body is None:
        raise JsonParseError()
    created = now.emulator.events.subscriptions.create(now.authenticated(), body)
    return _info(now, created)


def read_subscription(subscription: str) -> Response:
    now = state()
    return _info(now, now.emulator.events.subscriptions.get(now.authenticated(), subscription))


def update_subscription(subscription: str) -> Response:
    now = state()
    _webhook(now, subscription)
    service = now.emulator.events.subscriptions
    return _info(now, service.update(now.authenticated(), subscription, _body(now)))


def renew_subscription(subscription: str) -> Response:
    now = state()
    _webhook(now, subscription)
    return _info(now, now.emulator.events.subscriptions.renew(now.authenticated(), subscription))


def delete_subscription(subscription: str) -> Response:
    now = state()
    _webhook(now, subscription)
    now.emulator.events.subscriptions.delete(now.authenticated(), subscription)
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
