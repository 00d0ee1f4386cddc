"""A public app's authorization-code login under random credentials asks for the user's
password (a login form, as the platform shows one): `login_hint` plus the client's own PKCE
verifier no longer sign in anyone, the administrator included. The demo credentials keep the
scriptable redirect."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from mockserver.config import Settings, with_credentials_secret
from mockserver.emulator import Emulator
from mockserver.platform.users import password, username
from mockserver.web.app import create_app
from tests.support.apps import (
    AUTHORIZE,
    CALLBACK,
    SECRET,
    TOKEN,
    authorize_query,
    fixture_with_public_app,
)
from tests.support.login import PUBLIC_ID, VERIFIER, s256


@pytest.fixture(scope="module")
def fixture_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_with_public_app(tmp_path_factory.mktemp("login"))


def emulator_for(fixture: Path, random: bool) -> Emulator:
    settings = Settings(fixture=str(fixture), credentials_secret=SECRET if random else None)
    return Emulator.from_settings(with_credentials_secret(settings))


@pytest.fixture(scope="module")
def random_emulator(fixture_path: Path) -> Emulator:
    return emulator_for(fixture_path, random=True)


@pytest.fixture
def client(random_emulator: Emulator):
    app = create_app(emulator=random_emulator)
    app.testing = True
    return app.test_client()


def redeem(client, code: str):
    form = {
        "grant_type": "authorization_code",
        "client_id": PUBLIC_ID,
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
    }
    return client.post(TOKEN, data=form)


def test_login_hint_alone_signs_in_nobody_under_random_credentials(client, random_emulator):
    admin = random_emulator.directory.accounts[0].administrator
    for hint in ("", str(admin.id)):
        answer = client.get(AUTHORIZE, query_string=authorize_query(login_hint=hint))
        # The form, not a redirect with a code.
        assert answer.status_code == 200
        assert "Location" not in answer.headers
        page = answer.get_data(as_text=True)
        assert 'type="password"' in page
        assert "code=" not in page.replace(s256(VERIFIER), "")


def test_the_form_is_self_contained(client):
    answer = client.get(AUTHORIZE, query_string=authorize_query())
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # no script may run
    assert "form-action 'self' http://127.0.0.1:9" in policy
    page = answer.get_data(as_text=True)
    assert "<script" not in page
    assert not re.search(r"(src|href)=\"(?!data:)", page)  # nothing to fetch
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_hint_prefills_the_username_never_the_password(client, random_emulator):
    account = random_emulator.directory.accounts[0]
    admin = account.administrator
    page = client.get(AUTHORIZE, query_string=authorize_query(login_hint=str(admin.id))).get_data(
        as_text=True
    )
    assert f'value="{username(account, admin)}"' in unescape(page)
    assert password(admin, random_emulator.tokens.keys) not in page


@pytest.mark.parametrize("wrong", ["", "Pm-000000000000-000000000000", "nope"])
def test_a_wrong_password_gets_the_form_again(client, random_emulator, wrong):
    account = random_emulator.directory.accounts[0]
    admin = account.administrator
    login = {"username": username(account, admin), "password": wrong}
    answer = client.post(AUTHORIZE, query_string=authorize_query(), data=login)
    assert answer.status_code == 200
    assert "Location" not in answer.headers
    assert "Wrong username or password" in answer.get_data(as_text=True)


def test_the_demo_password_is_not_the_random_one(client, random_emulator):
    account = random_emulator.directory.accounts[0]
    admin = account.administrator
    demo = password(admin)  # the demo keys' password
    login = {"username": username(account, admin), "password": demo}
    answer = client.post(AUTHORIZE, query_string=authorize_query(), data=login)
    assert "Location" not in answer.headers


def test_the_right_password_redirects_with_a_code_that_redeems(client, random_emulator):
    account = random_emulator.directory.accounts[0]
    user = next(e for e in account.extensions if e.type.is_user and not e.admin)
    login = {
        "username": username(account, user),
        "extension": "" if user.phone_number else user.number,
        "password": password(user, random_emulator.tokens.keys),
    }
    answer = client.post(AUTHORIZE, query_string=authorize_query(), data=login)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    params = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert params["state"] == ["s1"]
    token = redeem(client, params["code"][0])
    assert token.status_code == 200, token.get_data(as_text=True)
    assert token.get_json()["owner_id"] == str(user.id)


def test_a_form_post_keeps_the_other_checks(client, random_emulator):
    account = random_emulator.directory.accounts[0]
    admin = account.administrator
    login = {
        "username": username(account, admin),
        "password": password(admin, random_emulator.tokens.keys),
    }
    answer = client.post(AUTHORIZE, query_string=authorize_query(code_challenge=""), data=login)
    assert "error=invalid_request" in answer.headers["Location"]


def test_the_demo_default_stays_scriptable(fixture_path):
    app = create_app(emulator=emulator_for(fixture_path, random=False))
    app.testing = True
    client = app.test_client()
    answer = client.get(AUTHORIZE, query_string=authorize_query())
    assert answer.status_code == 302
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    assert redeem(client, code).status_code == 200


def test_a_post_where_no_form_is_shown_is_not_served(fixture_path):
    """Demo credentials show no form, so a POST to authorize is refused as any unserved method
    is, and gives no code (whatever it carries)."""
    app = create_app(emulator=emulator_for(fixture_path, random=False))
    app.testing = True
    answer = app.test_client().post(
        AUTHORIZE, query_string=authorize_query(), data={"password": "x"}
    )
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"
    assert answer.get_json()["errorCode"] == "CMN-101"
    assert "Location" not in answer.headers


def test_allow_names_the_operation_only(client):
    """The login form's POST is no operation of the API: a 405 on authorize advertises GET."""
    answer = client.open(AUTHORIZE, method="OPTIONS", query_string=authorize_query())
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"


def test_a_confidential_app_keeps_the_redirect_under_random_credentials(client, random_emulator):
    demo = random_emulator.directory.apps[0]
    answer = client.get(
        AUTHORIZE,
        query_string={
            "response_type": "code",
            "client_id": demo.client_id,
            "redirect_uri": CALLBACK,
        },
    )
    assert answer.status_code == 302  # the code still needs the app's random secret
