"""docs/contract.md#websocket-token: `POST /restapi/oauth/wstoken` hands out a WebSocket token and
the gateway's address; the token is kept in the store, tied to the OAuth session, reusable in its
TTL."""

from __future__ import annotations

import pytest

from mockserver.errors import TokenExpired, TokenNotFound
from mockserver.platform.wstokens import WS_TOKEN_TTL
from tests.support.answers import assert_error
from tests.support.apps import emulator_with_apps
from tests.support.login import basic_auth, bearer_headers

WSTOKEN = "/restapi/oauth/wstoken"


def ws_token(api, **kwargs):
    return api.client.post(
        WSTOKEN, headers={**api.headers(), **kwargs.pop("headers", {})}, **kwargs
    )


@pytest.mark.parametrize(
    "extra",
    [
        {},  # no body, no type: what @rc-ex/ws sends
        {"headers": {"Content-Type": "application/json"}},  # the Python SDK: JSON, no body
        {"data": b"anything", "headers": {"Content-Type": "text/plain"}},
        {"data": b"{broken", "headers": {"Content-Type": "application/json"}},
    ],
)
def test_any_body_gets_a_token_and_the_gateway_address(admin, extra):
    answer = ws_token(admin, **extra)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.content_type.startswith("application/json")
    body = answer.get_json()
    assert set(body) == {"uri", "ws_access_token", "expires_in"}
    assert body["expires_in"] == WS_TOKEN_TTL == 600
    # The gateway's port (here the REST port's next one) on the host the request named.
    assert body["uri"] == "ws://localhost:8081/ws"
    assert "?" not in body["uri"]


def test_the_uri_names_the_host_the_request_used(admin):
    answer = ws_token(admin, headers={"Host": "presence.localhost:9999"})
    assert answer.get_json()["uri"] == "ws://presence.localhost:8081/ws"
    answer = ws_token(admin, headers={"Host": "[::1]:9999"})
    assert answer.get_json()["uri"] == "ws://[::1]:8081/ws"


def test_the_token_resolves_to_its_caller_and_session_until_its_ttl(admin, emulator):
    token = ws_token(admin).get_json()["ws_access_token"]
    grant = emulator.ws_tokens.resolve(token)
    assert grant.extension_id == admin.owner.id
    assert grant.session_id == admin.token[: len(grant.session_id)]
    assert emulator.ws_tokens.resolve(token) == grant  # reusable within its TTL
    emulator.clock.change(advance=WS_TOKEN_TTL + 1)
    with pytest.raises(TokenExpired):
        emulator.ws_tokens.resolve(token)


def test_revoking_the_session_ends_its_ws_tokens(admin, emulator):
    token = ws_token(admin).get_json()["ws_access_token"]
    revoke = admin.client.post(
        "/restapi/oauth/revoke",
        data={"token": admin.token},
        headers={"Authorization": _basic(emulator)},
    )
    assert revoke.status_code == 200
    with pytest.raises(TokenNotFound):
        emulator.ws_tokens.resolve(token)


def _basic(emulator):
    return basic_auth(emulator.directory)


def test_unknown_tokens_are_not_found(emulator):
    for token in ("", "nope"):
        with pytest.raises(TokenNotFound):
            emulator.ws_tokens.resolve(token)


def test_without_a_bearer_token_it_is_401(client):
    assert_error(client.post(WSTOKEN), 401, "AGW-402")


def test_the_auth_group_counts_it(admin):
    answer = ws_token(admin)
    assert answer.headers["X-Rate-Limit-Group"] == "auth"


def test_an_app_without_the_websocket_permission_is_refused(tmp_path):
    emulator, client = emulator_with_apps(tmp_path, [["ReadPresence"]])
    headers = bearer_headers(
        client, emulator.directory.apps[1], emulator.directory.accounts[0].administrator
    )
    answer = client.post(WSTOKEN, headers=headers)
    assert answer.status_code == 403
    body = answer.get_json()
    assert (body["errorCode"], body["errors"][0]["errorCode"]) == (
        "InsufficientPermissions",
        "CMN-401",
    )
    assert body["errors"][0]["permissionName"] == body["permissionName"] == "WebSocket"


def test_the_gateway_control_says_where_the_gateway_is(client):
    body = client.get("/_mock/gateway", headers={"Host": "h.localhost:8080"}).get_json()
    assert body == {
        "port": 8081,
        "websocket": "ws://h.localhost:8081/ws",
        "stream": "http://h.localhost:8081/_mock/stream",
        "health": "http://h.localhost:8081/_mock/health",
    }
