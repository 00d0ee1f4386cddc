"""`GET /_mock/events/explain`: why each subscription got a change of presence, or did not
(docs/explain.md). A control like the others (/_mock/): the same access rule applies
(mockserver/access.py, by web/access.py)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from mockserver.errors import InvalidParameter, ResourceNotFound
from mockserver.events.explain import DEFAULT_LIMIT, MAX_LIMIT, Explainer
from mockserver.inputs import whole_number
from mockserver.operations import CONTROLS_PREFIX, EXPLAIN_CONTROLS
from mockserver.web.context import emulator
from mockserver.web.rendering import json_response
from mockserver.web.routing import register

blueprint = Blueprint("explain", __name__, url_prefix=CONTROLS_PREFIX)
MAX_ID = 100  # characters of a subscriptionId asked for (theirs are UUIDs)


def explain_events() -> Response:
    """`?extensionId=` (the last changes of that extension) and/or `?subscriptionId=` (the
    changes that subscription was weighed for), `?limit=` changes (20, at most 200)."""
    found = emulator()
    extension_id = _extension(request.args.get("extensionId"))
    subscription_id = request.args.get("subscriptionId")
    if subscription_id is not None and not 0 < len(subscription_id) <= MAX_ID:
        raise InvalidParameter("subscriptionId")
    if extension_id is None and subscription_id is None:
        raise InvalidParameter("extensionId", message="Give extensionId, subscriptionId or both.")
    if extension_id is not None and found.directory.extension(extension_id) is None:
        raise ResourceNotFound("extensionId")
    limit = _limit(request.args.get("limit"))
    explained = Explainer(found.events, found.directory).explain(
        extension_id, subscription_id, limit
    )
    if extension_id is not None:
        explained["extensionId"] = str(extension_id)
    if subscription_id is not None:
        explained["subscriptionId"] = subscription_id
    return json_response(explained)


def _extension(raw: str | None) -> int | None:
    if raw is None:
        return None
    found = whole_number(raw, 18)
    if found is None:
        raise InvalidParameter("extensionId")
    return found


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    found = whole_number(raw, 4)
    if found is None or not 1 <= found <= MAX_LIMIT:
        raise InvalidParameter("limit")
    return found


register(blueprint, EXPLAIN_CONTROLS, {"explainEvents": explain_events})
