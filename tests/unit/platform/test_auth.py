"""Logging in with the JWT grant, and bearer tokens on every API call (docs/contract.md#auth-oauth,
#auth-bearer)."""

import base64

import pytest

from mockserver.platform.credentials import credential_jwt
from mockserver.platform.tokens import JWT_GRANT
from tests.support.login import basic_auth, login

ME = "/restapi/v1.0/account/~/extension/~/presence"


def token_answer(client, directory, **form):
    return client.post(
        "/restapi/oauth/token", data=form, headers={"Authorization": basic_auth(directory)}
    )


def test_jwt_login_answers_a_full_token(client, directory):
    admin = directory.accounts[0].administrator
    answer = token_answer(client, directory, grant_type=JWT_GRANT, assertion=credential_jwt(admin))
    assert answer.status_code == 200
    assert answer.content_type == "application/json"
    body = answer.get_json()
    assert body["token_type"] == "bearer"
    assert body["owner_id"] == str(admin.id)
    assert body["expires_in"] == 3600
    assert body["refresh_token_expires_in"] == 604800
    assert set(body["scope"].split()) == {
        "ReadPresence",
        "EditPresence",
        "ReadAccounts",
        "ReadCallLog",
        "SubscriptionWebhook",  # WebHook subscriptions
        "WebSocket",
    }
    for field in ("access_token", "refresh_token", "endpoint_id", "session_id"):
        assert isinstance(body[field], str) and body[field]


def test_a_confidential_app_cannot_log_in_with_client_id_alone(client, directory):
    # A confidential app's client_id in the body, with no secret, got tokens.
    answer = client.post(
        "/restapi/oauth/token",
        data={
            "grant_type": JWT_GRANT,
            "assertion": credential_jwt(directory.accounts[0].administrator),
            "client_id": directory.apps[0].client_id,
        },
    )
    assert answer.status_code == 400
    assert answer.get_json()["errors"][0]["errorCode"] == "OAU-153"


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + base64.b64encode(b"nobody:nothing").decode(),
        None,
        "Basic !!!notbase64",
    ],
)
def test_unknown_client_is_invalid_client(client, directory, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    answer = client.post(
        "/restapi/oauth/token",
        data={
            "grant_type": JWT_GRANT,
            "assertion": credential_jwt(directory.accounts[0].administrator),
        },
        headers=headers,
    )
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["error"] == "invalid_client"
    # No client authentication at all: the recorded OAU-123 (decision FID-14).
    assert body["errors"][0]["errorCode"] == ("OAU-153" if authorization else "OAU-123")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Pragma"] == "no-cache"


def test_wrong_client_secret_is_invalid_client(client, directory):
    app = directory.apps[0]
    wrong = "Basic " + base64.b64encode(f"{app.client_id}:wrong".encode()).decode()
    answer = client.post(
        "/restapi/oauth/token",
        data={
            "grant_type": JWT_GRANT,
            "assertion": credential_jwt(directory.accounts[0].administrator),
        },
        headers={"Authorization": wrong},
    )
    assert answer.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("assertion", ["", "not-a-jwt", "e30.e30.e30"])
def test_bad_assertion_is_invalid_grant(client, directory, assertion):
    answer = token_answer(client, directory, grant_type=JWT_GRANT, assertion=assertion)
    assert answer.status_code == 400
    body = answer.get_json()
    assert (body["error"], body["errors"][0]["errorCode"]) == ("invalid_grant", "OAU-140")


def test_a_jwt_signed_with_another_key_is_refused(client, directory):
    import jwt

    forged = jwt.encode(
        {"sub": str(directory.accounts[0].administrator.id)},
        "another-key-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    answer = token_answer(client, directory, grant_type=JWT_GRANT, assertion=forged)
    assert answer.get_json()["error"] == "invalid_grant"


def test_unsupported_grant_type(client, directory):
    answer = token_answer(client, directory, grant_type="telepathy")
    assert answer.status_code == 400
    body = answer.get_json()
    # The platform's recorded body: invalid_request, no parameters (decision FID-26).
    assert (body["error"], body["errors"][0]["errorCode"]) == ("invalid_request", "OAU-250")
    assert "parameters" not in body["errors"][0]


def test_no_authorization_header_is_agw_402(client):
    answer = client.get(ME)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="RingCentral REST API"'
    assert answer.get_json() == {
        "errorCode": "AGW-402",
        "message": "Invalid Authorization header",
        "errors": [{"errorCode": "AGW-402", "message": "Invalid Authorization header"}],
    }


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer ", "token"])
def test_malformed_authorization_header_is_agw_402(client, header):
    answer = client.get(ME, headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.get_json()["errorCode"] == "AGW-402"


def test_unknown_token_is_oau_213(client):
    answer = client.get(ME, headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401
    assert answer.get_json()["errorCode"] == "OAU-213"
    assert answer.get_json()["message"] == "Token not found"


@pytest.mark.parametrize("scheme", ["bearer", "Bearer", "BEARER"])
def test_scheme_word_is_case_insensitive(admin, scheme):
    answer = admin.client.get(ME, headers={"Authorization": f"{scheme} {admin.token}"})
    assert answer.status_code == 200


def test_access_token_query_parameter(admin):
    answer = admin.client.get(ME, query_string={"access_token": admin.token})
    assert answer.status_code == 200


def test_expired_token_is_oau_128(emulator, admin):
    emulator.clock.advance(3601)
    answer = admin.get(ME)
    assert answer.status_code == 401
    assert answer.get_json()["errorCode"] == "OAU-128"


def test_refresh_gives_a_new_pair_and_the_old_refresh_token_dies(client, directory):
    admin = directory.accounts[0].administrator
    first = token_answer(
        client, directory, grant_type=JWT_GRANT, assertion=credential_jwt(admin)
    ).get_json()
    second = token_answer(
        client, directory, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert second.status_code == 200
    assert second.get_json()["access_token"] != first["access_token"]
    again = token_answer(
        client, directory, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert again.get_json()["error"] == "invalid_grant"


def test_revoke_ends_the_session(client, directory):
    api = login(client, directory, directory.accounts[0].administrator)
    answer = client.post(
        "/restapi/oauth/revoke",
        data={"token": api.token},
        headers={"Authorization": basic_auth(directory)},
    )
    assert answer.status_code == 200
    assert api.get(ME).get_json()["errorCode"] == "OAU-213"


def test_tokens_survive_a_reset(client, admin):
    client.post("/_mock/reset")
    assert admin.get(ME).status_code == 200
