"""The RingCentral REST API blueprint (/restapi/v1.0): thin views over PresenceService.

By the time a view runs, the hooks (hooks.py) have authenticated the caller, counted the
request in the operation's throttling group and checked its app permission.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from mockserver.errors import InvalidParameter
from mockserver.operations import API, API_PREFIX
from mockserver.presence import parsing
from mockserver.web import directory_api, queue_api, subscription_api
from mockserver.web.context import request_state
from mockserver.web.rendering import (
    ERROR_SCHEMA,
    batch_response,
    json_batch_response,
    json_response,
)
from mockserver.web.routing import register

RECORD_SCHEMA = "presence-info-response"
MULTIPART_JSON = "application/vnd.ringcentral.multipart+json"
Record = dict[str, Any]

blueprint = Blueprint("api", __name__, url_prefix=API_PREFIX)


def read_extension_presence(account: str, extension: str) -> Response:
    state = request_state()
    view = parsing.view(state.query)
    ids = parsing.extension_ids(extension)
    presence, caller, base = state.emulator.presence, state.authenticated(), state.base_url()
    if len(ids) == 1:
        body = presence.read_one(base, caller, account, ids[0], view)
        return json_response(body, RECORD_SCHEMA)
    status, bodies = presence.read_batch(base, caller, account, ids, view)
    if MULTIPART_JSON in state.request.headers.get("Accept", ""):
        return _json_batch(ids, status, bodies)
    parts = [(status, "batch-status")]
    parts += [
        (body, RECORD_SCHEMA if item["status"] == 200 else ERROR_SCHEMA)
        for body, item in zip(bodies, status["response"], strict=True)
    ]
    return batch_response(parts)


def _json_batch(ids: list[str], status: Record, bodies: list[Record]) -> Response:
    """The batch as one JSON array (docs/contract.md#batch-json), for clients that ask for it by
    Accept."""
    items = [
        {
            "resourceId": given,
            "status": item["status"],
            "body": body,
        }
        for given, item, body in zip(ids, status["response"], bodies, strict=True)
    ]
    shapes = [RECORD_SCHEMA if i["status"] == 200 else ERROR_SCHEMA for i in items]
    return json_batch_response(items, shapes, MULTIPART_JSON)


def update_extension_presence(account: str, extension: str) -> Response:
    if "," in extension:
        raise InvalidParameter("extensionId")
    state = request_state()
    changes = parsing.update_body(state.request.get_data())
    body = state.emulator.presence.update(
        state.base_url(), state.authenticated(), account, extension, changes
    )
    return json_response(body, RECORD_SCHEMA)


def read_account_presence(account: str) -> Response:
    state = request_state()
    given = state.query
    body = state.emulator.presence.read_page(
        state.base_url(),
        state.authenticated(),
        account,
        parsing.page(given, zero=True),
        parsing.view(given),
        parsing.flags_as_given(given),
    )
    return json_response(body, "account-presence-info")


register(
    blueprint,
    API,
    {
        "readUserPresenceStatus": read_extension_presence,
        "updateUserPresenceStatus": update_extension_presence,
        "readAccountPresence": read_account_presence,
        **queue_api.VIEWS,
        **directory_api.VIEWS,
        **subscription_api.VIEWS,
    },
)
