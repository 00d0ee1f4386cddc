"""The RingCentral REST API blueprint (/restapi/v1.0): thin views over PresenceService.

Before each view the caller is authenticated, counted in the operation's throttling group and
checked for the operation's app permission, in that order (contract Part A.11, A.13): a request
that fails authentication has no user to count against, so it gets no rate-limit headers;
every later answer, errors included, carries them.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from mockserver.errors import AppPermissionRequired, InvalidParameter
from mockserver.operations import API, API_PREFIX
from mockserver.presence import parsing
from mockserver.web.context import add_rate_headers, base_url, caller, emulator, operation, query
from mockserver.web.rendering import ERROR_SCHEMA, batch_response, json_response
from mockserver.web.routing import register

RECORD_SCHEMA = "presence-info-response"

blueprint = Blueprint("api", __name__, url_prefix=API_PREFIX)


@blueprint.before_request
def authorize_caller() -> None:
    found = operation()
    assert found is not None and found.group is not None and found.permission is not None
    services = emulator()
    authorization = request.headers.get("Authorization")
    token = query().get("access_token", [None])[0]
    who = services.tokens.authenticate(authorization, token)
    g.caller = who
    add_rate_headers(
        services.limiter.hit(found.group, f"{who.client_id}:{who.extension_id}", who.now)
    )
    if found.permission not in who.permissions:
        raise AppPermissionRequired(found.permission)


def read_extension_presence(account: str, extension: str) -> Response:
    view = parsing.view(query())
    ids = parsing.extension_ids(extension)
    presence = emulator().presence
    if len(ids) == 1:
        body = presence.read_one(base_url(), caller(), account, ids[0], view)
        return json_response(body, RECORD_SCHEMA)
    status, bodies = presence.read_batch(base_url(), caller(), account, ids, view)
    parts = [(status, "batch-status")]
    parts += [
        (body, RECORD_SCHEMA if item["status"] == 200 else ERROR_SCHEMA)
        for body, item in zip(bodies, status["response"], strict=True)
    ]
    return batch_response(parts)


def update_extension_presence(account: str, extension: str) -> Response:
    if "," in extension:
        raise InvalidParameter("extensionId")
    changes = parsing.update_body(request.get_data())
    body = emulator().presence.update(base_url(), caller(), account, extension, changes)
    return json_response(body, RECORD_SCHEMA)


def read_account_presence(account: str) -> Response:
    given = query()
    body = emulator().presence.read_page(
        base_url(),
        caller(),
        account,
        parsing.page(given),
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
    },
)
