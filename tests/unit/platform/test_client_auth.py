"""Client authentication as on the platform (decision AUTH-15): a confidential app proves itself
with its secret (HTTP Basic); a public app names itself with `client_id` and must use PKCE; an
app signs in only users of the accounts it is installed in."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from mockserver.config import Settings
from mockserver.directory.builder import build_directory
from mockserver.directory.fixtures import directory_to_dict
from mockserver.emulator import Emulator
from mockserver.platform.credentials import credential_jwt
from mockserver.platform.tokens import JWT_GRANT
from mockserver.web.app import create_app
from tests.support.login import PUBLIC_ID, VERIFIER, basic_auth, s256

TOKEN = "/restapi/oauth/token"
AUTHORIZE = "/restapi/oauth/authorize"
CALLBACK = "https://app.example/callback"
FIRST_ONLY_ID = "firstAccountOnly"
# The platform's recorded OAU-153 body (shared docs, platform examples 11.2.1).
INVALID_CLIENT_EMPTY = {
    "error": "invalid_client",
    "errors": [
        {
            "errorCode": "OAU-153",
            "message": "Invalid client: ",
            "parameters": [{"parameterName": "client_id", "parameterValue": ""}],
        }
    ],
    "error_description": "Invalid client: ",
}


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.fixture(scope="module")
def apps_emulator(tmp_path_factory) -> Emulator:
    """The seeded accounts, the demo app, a public app and one installed in account 1 only."""
    data = directory_to_dict(build_directory())
    first_account = data["accounts"][0]["id"]
    data["apps"] += [
        {"clientId": PUBLIC_ID, "clientSecret": "unused", "name": "spa", "public": True},
        {
            "clientId": FIRST_ONLY_ID,
            "clientSecret": "first-secret",
            "name": "installed in one account",
            "accounts": [first_account],
        },
    ]
    path = tmp_path_factory.mktemp("apps") / "apps.json"
    path.write_text(json.dumps(data))
    return Emulator.from_settings(Settings(fixture=str(path), validate_responses=True))


@pytest.fixture
def apps(apps_emulator):
    app = create_app(emulator=apps_emulator)
    app.testing = True
    return app.test_client()


def jwt_login(client, directory, authorization=None, **form):
    owner = directory.accounts[0].administrator
    data = {"grant_type": JWT_GRANT, "assertion": credential_jwt(owner), **form}
    headers = {"Authorization": authorization} if authorization else {}
    return client.post(TOKEN, data=data, headers=headers)


def oauth_error(answer) -> tuple[int, str, str]:
    body = answer.get_json()
    return answer.status_code, body["error"], body["errors"][0]["errorCode"]


# -- confidential apps ---------------------------------------------------------------------------
def test_the_demo_app_logs_in_with_basic_auth(client, directory):
    assert jwt_login(client, directory, basic_auth(directory)).status_code == 200


@pytest.mark.parametrize(
    "form",
    [
        {},  # nothing at all
        {"client_id": "pM7qR2xVnT4kLw9sYb3HcA"},  # the demo app's ID alone
        {"client_id": "pM7qR2xVnT4kLw9sYb3HcA", "client_secret": "wrong"},
    ],
)
def test_a_confidential_app_without_its_secret_is_invalid_client(client, directory, form):
    answer = jwt_login(client, directory, **form)
    # No client authentication at all is the recorded OAU-123 (decision FID-14).
    code = "OAU-123" if not form else "OAU-153"
    assert oauth_error(answer) == (400, "invalid_client", code)


def test_client_secret_in_the_body_is_not_a_way_to_log_in(client, directory):
    # The spec names client_secret_basic (and client assertions), never client_secret_post.
    app = directory.apps[0]
    answer = jwt_login(client, directory, client_id=app.client_id, client_secret=app.client_secret)
    assert oauth_error(answer) == (400, "invalid_client", "OAU-153")


@pytest.mark.parametrize(
    "authorization",
    [
        basic("pM7qR2xVnT4kLw9sYb3HcA", "wrong"),
        basic("pM7qR2xVnT4kLw9sYb3HcA", ""),
        "Basic " + base64.b64encode("pM7qR2xVnT4kLw9sYb3HcA:sécret".encode()).decode(),
        "Basic " + base64.b64encode(b"pM7qR2xVnT4kLw9sYb3HcA:\xff\xfe").decode(),
        "Basic cGFzc3dvcmTCsg==é",
    ],
)
def test_a_wrong_or_strange_secret_is_invalid_client(client, directory, authorization):
    # A non-ASCII secret was a 500 (compare_digest refuses non-ASCII str).
    answer = jwt_login(client, directory, authorization)
    assert oauth_error(answer) == (400, "invalid_client", "OAU-153")


def test_undecodable_basic_credentials_get_the_platforms_body(client, directory):
    answer = jwt_login(client, directory, "Basic !!!notbase64")
    assert answer.get_json() == INVALID_CLIENT_EMPTY


def test_a_failed_client_stores_nothing(client, emulator, directory):
    # A made-up client_id once left a rate-limit key behind before the client was checked.
    store = emulator.store
    before = _record_count(store)
    for index in range(5):
        jwt_login(client, directory, client_id=f"made-up-{index}", username=f"u{index}")
        jwt_login(client, directory, basic(f"made-up-{index}", "x"))
        client.post("/restapi/oauth/revoke", data={"token": "x", "client_id": f"m{index}"})
    assert _record_count(store) == before


def _record_count(store) -> int:
    return len(store._records)  # the memory store of the session emulator


# -- public apps -----------------------------------------------------------------------------
def test_a_public_app_may_not_use_the_jwt_grant(apps, apps_emulator):
    answer = jwt_login(apps, apps_emulator.directory, client_id=PUBLIC_ID)
    assert answer.get_json() == {
        "error": "unauthorized_client",
        "errors": [{"errorCode": "OAU-251", "message": "Unauthorized for this grant type"}],
        "error_description": "Unauthorized for this grant type",
    }


def authorize(client, **query):
    params = {"response_type": "code", "redirect_uri": CALLBACK, **query}
    answer = client.get(AUTHORIZE, query_string=params)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def test_a_public_app_logs_in_with_client_id_and_pkce(apps):
    params = authorize(
        apps, client_id=PUBLIC_ID, code_challenge=s256(VERIFIER), code_challenge_method="S256"
    )
    form = {
        "grant_type": "authorization_code",
        "client_id": PUBLIC_ID,
        "code": params["code"],
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
    }
    answer = apps.post(TOKEN, data=form)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    refreshed = apps.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "client_id": PUBLIC_ID,
            "refresh_token": answer.get_json()["refresh_token"],
        },
    )
    assert refreshed.status_code == 200


def test_a_public_app_gets_no_code_without_pkce(apps):
    params = authorize(apps, client_id=PUBLIC_ID, state="s")
    assert "code" not in params
    assert (params["error"], params["state"]) == ("invalid_request", "s")


def test_a_code_for_a_confidential_app_cannot_be_redeemed_with_client_id_alone(apps):
    # Authorize with any login_hint, then client_id alone, gave that user a token.
    params = authorize(apps, client_id="pM7qR2xVnT4kLw9sYb3HcA", login_hint="1")
    answer = apps.post(
        TOKEN,
        data={
            "grant_type": "authorization_code",
            "client_id": "pM7qR2xVnT4kLw9sYb3HcA",
            "code": params.get("code", "x"),
            "redirect_uri": CALLBACK,
        },
    )
    assert oauth_error(answer) == (400, "invalid_client", "OAU-153")


# -- the accounts an app is installed in ----------------------------------------------------
def test_authorize_signs_in_only_users_of_the_apps_accounts(apps, apps_emulator):
    other_account = apps_emulator.directory.accounts[1]
    stranger = next(e for e in other_account.extensions if e.type.is_user)
    params = authorize(apps, client_id=FIRST_ONLY_ID, login_hint=str(stranger.id), state="t")
    assert "code" not in params
    assert params["error"] == "access_denied"
    member = apps_emulator.directory.accounts[0].administrator
    assert "code" in authorize(apps, client_id=FIRST_ONLY_ID, login_hint=str(member.id))


def test_a_jwt_of_a_user_of_another_account_is_refused(apps, apps_emulator):
    stranger = apps_emulator.directory.accounts[1].administrator
    answer = apps.post(
        TOKEN,
        data={"grant_type": JWT_GRANT, "assertion": credential_jwt(stranger)},
        headers={"Authorization": basic(FIRST_ONLY_ID, "first-secret")},
    )
    assert oauth_error(answer) == (400, "invalid_grant", "OAU-140")
