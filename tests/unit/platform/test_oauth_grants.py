"""Every grant of the token endpoint, the authorize redirect, lifetimes, refresh and revoke
(docs/contract.md#auth-bearer, #auth-oauth; the OAU-10x codes of the platform's errors page)."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from mockserver.platform.credentials import credential_jwt
from mockserver.platform.tokens import JWT_GRANT
from mockserver.platform.users import password
from tests.support.answers import find
from tests.support.apps import emulator_with_apps
from tests.support.login import app_auth, basic_auth

ME = "/restapi/v1.0/account/~/extension/~/presence"
TOKEN = "/restapi/oauth/token"
AUTHORIZE = "/restapi/oauth/authorize"
CALLBACK = "https://app.example/callback"


def token(client, directory, **form):
    return client.post(TOKEN, data=form, headers={"Authorization": basic_auth(directory)})


def error_of(answer):
    body = answer.get_json()
    return answer.status_code, body["error"], body["errors"][0]["errorCode"]


def me(client, access_token):
    return client.get(ME, headers={"Authorization": f"Bearer {access_token}"})


def a_user(directory, account=0):
    return find(directory, lambda e: e.type.is_user and not e.admin and e.phone_number, account)


# -- password ------------------------------------------------------------------------------------
@pytest.mark.parametrize("plus", [True, False])
def test_password_grant_with_the_direct_number(client, directory, plus):
    user = a_user(directory)
    username = user.phone_number if plus else user.phone_number.removeprefix("+")
    answer = token(
        client, directory, grant_type="password", username=username, password=password(user)
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["owner_id"] == str(user.id)
    assert me(client, body["access_token"]).get_json()["extension"]["id"] == user.id


def test_password_grant_with_the_own_extension_number(client, directory):
    user = a_user(directory)
    answer = token(
        client,
        directory,
        grant_type="password",
        username=user.phone_number,
        password=password(user),
        extension=user.number,
    )
    assert answer.get_json()["owner_id"] == str(user.id)


def test_main_number_with_extension_names_that_user(client, directory):
    account = directory.accounts[0]
    user = a_user(directory)
    answer = token(
        client,
        directory,
        grant_type="password",
        username=account.main_number,
        password=password(user),
        extension=user.number,
    )
    assert answer.get_json()["owner_id"] == str(user.id)


def test_main_number_alone_names_the_administrator(client, directory):
    account = directory.accounts[1]
    answer = token(
        client,
        directory,
        grant_type="password",
        username=account.main_number,
        password=password(account.administrator),
    )
    assert answer.get_json()["owner_id"] == str(account.administrator.id)


@pytest.mark.parametrize(
    "case", ["wrong password", "other's extension", "unknown number", "non-user"]
)
def test_bad_resource_owner_credentials_are_oau_140(client, directory, case):
    user = a_user(directory)
    form = {"grant_type": "password", "username": user.phone_number, "password": password(user)}
    if case == "wrong password":
        form["password"] = password(directory.accounts[0].administrator)
    elif case == "other's extension":
        form["extension"] = directory.accounts[0].administrator.number
    elif case == "unknown number":
        form["username"] = "+15550000000"
    else:
        department = find(directory, lambda e: not e.type.is_user)
        form.update(username=directory.accounts[0].main_number, extension=department.number)
    assert error_of(token(client, directory, **form)) == (400, "invalid_grant", "OAU-140")


@pytest.mark.parametrize("missing", ["username", "password"])
def test_password_grant_without_a_field_is_invalid_request(client, directory, missing):
    user = a_user(directory)
    form = {"grant_type": "password", "username": user.phone_number, "password": password(user)}
    del form[missing]
    answer = token(client, directory, **form)
    assert error_of(answer) == (400, "invalid_request", "CMN-101")
    assert answer.get_json()["errors"][0]["parameters"][0]["parameterName"] == missing


@pytest.mark.parametrize(
    ("form", "missing"),
    [
        ({}, "grant_type"),
        ({"grant_type": JWT_GRANT}, "assertion"),
        ({"grant_type": "refresh_token"}, "refresh_token"),
        ({"grant_type": "authorization_code", "redirect_uri": CALLBACK}, "code"),
        ({"grant_type": "authorization_code", "code": "x"}, "redirect_uri"),
    ],
)
def test_missing_parameters_are_invalid_request(client, directory, form, missing):
    answer = token(client, directory, **form)
    assert error_of(answer) == (400, "invalid_request", "CMN-101")
    assert answer.get_json()["error_description"] == f"Parameter [{missing}] value is invalid."


# -- authorization code ----------------------------------------------------------------------------
def authorize(client, directory, **query):
    params = {
        "response_type": "code",
        "client_id": directory.apps[0].client_id,
        "redirect_uri": CALLBACK,
        **query,
    }
    return client.get(AUTHORIZE, query_string=params)


def redirected(answer):
    assert answer.status_code == 302, answer.get_data(as_text=True)
    location = urlsplit(answer.headers["Location"])
    return location, {k: v[0] for k, v in parse_qs(location.query).items()}


def code_for(client, directory, **query):
    location, params = redirected(authorize(client, directory, **query))
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return params["code"]


def redeem(client, directory, code, **form):
    return token(
        client, directory, grant_type="authorization_code", code=code, redirect_uri=CALLBACK, **form
    )


def test_authorize_redirects_with_code_and_state(client, directory):
    _, params = redirected(authorize(client, directory, state="xyz 1"))
    assert params["state"] == "xyz 1"
    assert len(params["code"]) >= 20


def test_authorize_keeps_the_redirect_uris_own_query(client, directory):
    answer = authorize(client, directory, redirect_uri=CALLBACK + "?tenant=7")
    _, params = redirected(answer)
    assert params["tenant"] == "7"
    assert "code" in params


def test_code_defaults_to_the_first_administrator(client, directory):
    body = redeem(client, directory, code_for(client, directory)).get_json()
    assert body["owner_id"] == str(directory.accounts[0].administrator.id)


@pytest.mark.parametrize("how", ["extension id", "phone number", "digits only"])
def test_login_hint_picks_the_user(client, directory, how):
    user = a_user(directory, account=1)
    hint = {
        "extension id": str(user.id),
        "phone number": user.phone_number,
        "digits only": user.phone_number.removeprefix("+"),
    }[how]
    body = redeem(client, directory, code_for(client, directory, login_hint=hint)).get_json()
    assert body["owner_id"] == str(user.id)
    assert me(client, body["access_token"]).status_code == 200


def test_a_code_is_good_once(client, directory):
    code = code_for(client, directory)
    assert redeem(client, directory, code).status_code == 200
    assert error_of(redeem(client, directory, code)) == (400, "invalid_grant", "OAU-106")


def test_unknown_code_is_oau_106(client, directory):
    assert error_of(redeem(client, directory, "nope")) == (400, "invalid_grant", "OAU-106")


def test_a_code_expires_after_60_seconds(emulator, client, directory):
    code = code_for(client, directory)
    emulator.clock.advance(60)
    assert error_of(redeem(client, directory, code)) == (400, "invalid_grant", "OAU-108")


def test_a_code_is_still_good_just_before_60_seconds(emulator, client, directory):
    code = code_for(client, directory)
    emulator.clock.advance(59)
    assert redeem(client, directory, code).status_code == 200


def test_the_redirect_uri_must_match(client, directory):
    code = code_for(client, directory)
    answer = token(
        client,
        directory,
        grant_type="authorization_code",
        code=code,
        redirect_uri="https://other.example/callback",
    )
    assert error_of(answer) == (400, "invalid_grant", "OAU-109")


def test_a_code_is_bound_to_its_client(tmp_path, directory):
    emulator, client = emulator_with_apps(tmp_path, [["ReadPresence", "EditPresence"]])
    other = emulator.directory.apps[1]
    _, params = redirected(
        client.get(
            AUTHORIZE,
            query_string={
                "response_type": "code",
                "client_id": other.client_id,
                "redirect_uri": CALLBACK,
            },
        )
    )
    answer = client.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": params["code"], "redirect_uri": CALLBACK},
        headers={"Authorization": app_auth(emulator.directory.apps[0])},
    )
    assert error_of(answer) == (400, "invalid_grant", "OAU-110")


def s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"


def test_pkce_s256_with_the_right_verifier(client, directory):
    code = code_for(client, directory, code_challenge=s256(VERIFIER), code_challenge_method="S256")
    assert redeem(client, directory, code, code_verifier=VERIFIER).status_code == 200


def test_the_rfc_7636_example_challenge(client, directory):
    # RFC 7636 appendix B: this verifier's S256 challenge.
    assert s256(VERIFIER) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize("verifier", [None, "", "wrong-verifier-wrong-verifier-wrong-verifier"])
def test_pkce_s256_refuses_a_missing_or_wrong_verifier(client, directory, verifier):
    code = code_for(client, directory, code_challenge=s256(VERIFIER), code_challenge_method="S256")
    extra = {} if verifier is None else {"code_verifier": verifier}
    assert error_of(redeem(client, directory, code, **extra)) == (400, "invalid_grant", "OAU-106")


def test_pkce_plain_is_the_default_method(client, directory):
    code = code_for(client, directory, code_challenge=VERIFIER)
    assert redeem(client, directory, code, code_verifier=s256(VERIFIER)).status_code == 400
    code = code_for(client, directory, code_challenge=VERIFIER)
    assert redeem(client, directory, code, code_verifier=VERIFIER).status_code == 200


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": "abc", "code_challenge_method": "S512"}, "invalid_request"),
        ({"login_hint": "+15550000000"}, "access_denied"),
    ],
)
def test_authorize_redirects_other_errors(client, directory, query, error):
    _, params = redirected(authorize(client, directory, state="s", **query))
    assert (params["error"], params["state"]) == (error, "s")
    assert "code" not in params and params["error_description"]


def test_authorize_refuses_an_unknown_client_without_redirecting(client, directory):
    answer = authorize(client, directory, client_id="nobody")
    assert error_of(answer) == (400, "invalid_client", "OAU-153")
    assert "Location" not in answer.headers


@pytest.mark.parametrize("redirect_uri", ["", "no-scheme"])
def test_authorize_refuses_a_bad_redirect_uri(client, directory, redirect_uri):
    answer = authorize(client, directory, redirect_uri=redirect_uri)
    assert error_of(answer) == (400, "invalid_request", "CMN-101")


# -- lifetimes, refresh, revoke ----------------------------------------------------------------
def jwt_login(client, directory, **form):
    admin = directory.accounts[0].administrator
    return token(client, directory, grant_type=JWT_GRANT, assertion=credential_jwt(admin), **form)


@pytest.mark.parametrize(
    ("asked", "access", "refresh"),
    [
        ({"access_token_ttl": "900", "refresh_token_ttl": "7200"}, 900, 7200),
        ({"access_token_ttl": "60", "refresh_token_ttl": "0"}, 600, 1),
        ({"access_token_ttl": "99999", "refresh_token_ttl": "99999999"}, 3600, 2_592_000),
        ({"access_token_ttl": "soon"}, 3600, 604_800),
    ],
)
def test_token_lifetimes_are_honoured_within_bounds(client, directory, asked, access, refresh):
    body = jwt_login(client, directory, **asked).get_json()
    assert (body["expires_in"], body["refresh_token_expires_in"]) == (access, refresh)


def test_a_short_access_token_expires_on_time(emulator, client, directory):
    body = jwt_login(client, directory, access_token_ttl="600").get_json()
    emulator.clock.advance(599)
    assert me(client, body["access_token"]).status_code == 200
    emulator.clock.advance(1)
    assert me(client, body["access_token"]).get_json()["errorCode"] == "OAU-128"


def test_an_expired_refresh_token_is_refused(emulator, client, directory):
    body = jwt_login(client, directory, refresh_token_ttl="100").get_json()
    emulator.clock.advance(100)
    answer = token(
        client, directory, grant_type="refresh_token", refresh_token=body["refresh_token"]
    )
    # The platform's recorded answer to an expired token (decision FID-27).
    assert error_of(answer) == (400, "invalid_grant", "OAU-210")
    assert answer.get_json()["error_description"] == "Token expired"


def test_refresh_gives_a_working_pair_in_the_same_session(client, directory):
    first = jwt_login(client, directory).get_json()
    second = token(
        client, directory, grant_type="refresh_token", refresh_token=first["refresh_token"]
    ).get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["session_id"] == first["session_id"]
    assert me(client, second["access_token"]).status_code == 200
    third = token(
        client, directory, grant_type="refresh_token", refresh_token=second["refresh_token"]
    )
    assert third.status_code == 200


def test_refresh_with_another_clients_token_is_refused(tmp_path):
    emulator, client = emulator_with_apps(tmp_path, [["ReadPresence"]])
    first, second = emulator.directory.apps[:2]
    admin = emulator.directory.accounts[0].administrator
    pair = client.post(
        TOKEN,
        data={"grant_type": JWT_GRANT, "assertion": credential_jwt(admin)},
        headers={"Authorization": app_auth(first)},
    ).get_json()
    answer = client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]},
        headers={"Authorization": app_auth(second)},
    )
    assert error_of(answer) == (400, "invalid_grant", "OAU-140")


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_revoke_kills_access_and_refresh_token(client, directory, which):
    pair = jwt_login(client, directory).get_json()
    answer = client.post(
        "/restapi/oauth/revoke",
        data={"token": pair[which]},
        headers={"Authorization": basic_auth(directory)},
    )
    assert answer.status_code == 200
    assert me(client, pair["access_token"]).get_json()["errorCode"] == "OAU-213"
    again = token(
        client, directory, grant_type="refresh_token", refresh_token=pair["refresh_token"]
    )
    assert error_of(again) == (400, "invalid_grant", "OAU-140")


def test_revoke_takes_the_token_from_the_query_too(client, directory):
    pair = jwt_login(client, directory).get_json()
    client.post(
        "/restapi/oauth/revoke",
        query_string={"token": pair["access_token"]},
        headers={"Authorization": basic_auth(directory)},
    )
    assert me(client, pair["access_token"]).status_code == 401


def test_revoke_ends_only_its_own_session(client, directory):
    kept, ended = jwt_login(client, directory).get_json(), jwt_login(client, directory).get_json()
    client.post(
        "/restapi/oauth/revoke",
        data={"token": ended["access_token"]},
        headers={"Authorization": basic_auth(directory)},
    )
    assert me(client, kept["access_token"]).status_code == 200


def test_revoke_needs_a_known_client(client, directory):
    pair = jwt_login(client, directory).get_json()
    answer = client.post("/restapi/oauth/revoke", data={"token": pair["access_token"]})
    assert error_of(answer) == (400, "invalid_client", "OAU-123")  # no client at all: FID-14
    assert me(client, pair["access_token"]).status_code == 200
