"""The OAuth blueprint (/restapi/oauth): token, revoke and authorize, as the SDKs use them.

The token and revoke endpoints are counted in the Auth group before anything else, keyed by the
client the request names plus the username of a password grant, since there is no user yet
(docs/decisions.md).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import Blueprint, Response, request

from mockserver.operations import OAUTH, OAUTH_PREFIX
from mockserver.platform.tokens import claimed_client_id
from mockserver.web.context import add_rate_headers, emulator, operation, query
from mockserver.web.rendering import empty_response, json_response
from mockserver.web.routing import register

blueprint = Blueprint("oauth", __name__, url_prefix=OAUTH_PREFIX)


def form() -> dict[str, str]:
    """The x-www-form-urlencoded body, first value of each field, whatever Content-Type says."""
    parsed = parse_qs(request.get_data().decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}


@blueprint.before_request
def count_auth_group() -> None:
    found = operation()
    if found is None or found.group is None:
        return
    fields = form()
    client = claimed_client_id(fields, request.headers.get("Authorization"))
    add_rate_headers(emulator().limiter.hit(found.group, f"{client}:{fields.get('username', '')}"))


def token() -> Response:
    body = emulator().tokens.grant(form(), request.headers.get("Authorization"))
    return json_response(body, "token-info")


def revoke() -> Response:
    tokens = emulator().tokens
    fields = form()
    tokens.client(fields, request.headers.get("Authorization"))
    tokens.revoke(fields.get("token") or query().get("token", [""])[0])
    return empty_response()


def authorize() -> Response:
    """A browser's authorization request: 302 back to redirect_uri with a code (or an error)."""
    given = {name: values[0] for name, values in query().items() if values}
    location = emulator().tokens.codes.authorize(given)
    response = empty_response(302)
    response.headers["Location"] = location
    return response


register(blueprint, OAUTH, {"getToken": token, "revokeToken": revoke, "authorize": authorize})
