"""The OAuth blueprint (/restapi/oauth): token, revoke and authorize, as the SDKs use them.

The token and revoke endpoints are counted in the Auth group by the hooks (hooks.py).
"""

from __future__ import annotations

from flask import Blueprint, Response

from mockserver.errors import NO_STORE, MethodNotAllowed
from mockserver.operations import OAUTH, OAUTH_PREFIX
from mockserver.platform.grants import LoginPage
from mockserver.platform.wstokens import session_of
from mockserver.web.context import request_state
from mockserver.web.forms import form_fields
from mockserver.web.gateway_links import links
from mockserver.web.login_page import login_response
from mockserver.web.rendering import empty_response, json_response
from mockserver.web.routing import register

blueprint = Blueprint("oauth", __name__, url_prefix=OAUTH_PREFIX)


def token() -> Response:
    state = request_state()
    body = state.emulator.tokens.grant(
        form_fields(state.request), state.request.headers.get("Authorization")
    )
    response = json_response(body, "token-info")
    response.headers.update(NO_STORE)  # RFC 6749 5.1 (decision FID-14)
    return response


def revoke() -> Response:
    state = request_state()
    tokens = state.emulator.tokens
    fields = form_fields(state.request)
    tokens.client(fields, state.request.headers.get("Authorization"))
    tokens.revoke(fields.get("token") or state.first("token") or "")
    return empty_response()


def authorize() -> Response:
    """A browser's authorization request: 302 back to redirect_uri with a code (or an error);
    where the user must sign in first, the login form, whose POST comes back here."""
    state = request_state()
    codes = state.emulator.tokens.codes
    given = {name: values[0] for name, values in state.query.items() if values}
    login = None
    if state.request.method == "POST":
        # Only a login form's answer is posted here; where no form is shown the POST is not
        # served, as on any route (405), so no code is ever given for a POST.
        app = state.emulator.directory.app(given.get("client_id", ""))
        if app is None or not codes.asks_password(app):
            raise MethodNotAllowed(headers={"Allow": "GET"})
        login = form_fields(state.request)
    found = codes.authorize(given, login)
    if isinstance(found, LoginPage):
        app = state.emulator.directory.app(given.get("client_id", ""))
        name = app.name if app is not None else ""
        return login_response(state.request, found, name, given.get("redirect_uri", ""))
    response = empty_response(302)
    response.headers["Location"] = found
    return response


def ws_token() -> Response:
    """A WebSocket token (docs/contract.md#websocket-token) for the caller's session, and where the
    gateway is: `ws://<the host this request named>:<gateway port>/ws`, with no query (the Python
    SDK appends `?access_token=` as text). Any body and Content-Type are ignored (the Python SDK
    sends `application/json` with no body)."""
    state = request_state()
    caller = state.authenticated()
    request = state.request
    session = session_of(request.headers.get("Authorization"), state.first("access_token"))
    token, ttl = state.emulator.ws_tokens.issue(caller, session)
    body = {
        "uri": links(request.host, state.emulator.settings)["websocket"],
        "ws_access_token": token,
        "expires_in": ttl,
    }
    return json_response(body, "ws-token-response")


register(
    blueprint,
    OAUTH,
    {"getToken": token, "revokeToken": revoke, "authorize": authorize, "authWsToken": ws_token},
)
# The login form's POST (LoginPage): the same operation and view as the GET it answers.
blueprint.add_url_rule(
    "/authorize",
    endpoint="authorize",
    view_func=authorize,
    methods=["POST"],
    provide_automatic_options=False,
)
