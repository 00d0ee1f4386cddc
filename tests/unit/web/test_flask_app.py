"""The emulator as a Flask application: the factory, user blueprints, Flask's CLI, and the
platform's behaviour where Flask's defaults differ (no automatic OPTIONS/HEAD, JSON 404/405,
answers built on the caller's scheme and host)."""

from __future__ import annotations

import flask
import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from mockserver import create_app
from mockserver.emulator import Emulator
from mockserver.platform.credentials import credential_jwt
from mockserver.web.context import emulator_of
from tests.support.login import basic_auth, login

API = "/restapi/v1.0/account/~"


def test_the_factory_gives_a_flask_app_with_the_emulator_on_its_extensions() -> None:
    app = create_app({"extensions": 70})
    assert isinstance(app, flask.Flask)
    emulator = app.extensions["presence_mock"]
    assert isinstance(emulator, Emulator)
    assert len(emulator.directory.accounts[0].extensions) == 70


def test_settings_come_from_defaults_then_environment_then_the_mapping(monkeypatch) -> None:
    monkeypatch.setenv("PRESENCE_MOCK_EXTENSIONS", "80")
    monkeypatch.setenv("PRESENCE_MOCK_STRICT_REQUESTS", "1")
    settings = create_app({"extensions": 75}).extensions["presence_mock"].settings
    assert (settings.extensions, settings.strict_requests, settings.seed) == (75, True, 20261121)


def test_a_user_blueprint_serves_beside_the_emulator() -> None:
    app = create_app()
    mine = flask.Blueprint("mine", __name__)

    @mine.get("/my/whoami")
    def whoami() -> dict[str, str]:
        return {"me": "my own route"}

    app.register_blueprint(mine)
    client = app.test_client()
    assert client.get("/my/whoami").get_json() == {"me": "my own route"}
    assert client.get("/_mock/health").get_json()["status"] == "ok"
    directory = app.extensions["presence_mock"].directory
    caller = login(client, directory, directory.accounts[0].administrator)
    assert caller.get(f"{API}/extension/~/presence").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", f"{API}/extension/~/presence", "GET, PUT"),
        ("HEAD", f"{API}/extension/~/presence", "GET, PUT"),
        ("OPTIONS", "/restapi/oauth/token", "POST"),
        ("HEAD", f"{API}/presence", "GET"),
    ],
)
def test_no_automatic_options_or_head(client, method, path, allowed) -> None:
    answer = client.open(path, method=method)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == allowed
    if method != "HEAD":  # HEAD has no body, by HTTP
        assert answer.get_json()["errors"][0]["errorCode"] == "CMN-101"


@pytest.mark.parametrize(
    "path", ["/index.html", "/static/x.css", "//restapi//v1.0/account/~/presence"]
)
def test_flask_own_pages_never_answer(client, path) -> None:
    # The path as a server hands it over (the test client would read `//restapi` as a host).
    answer = client.get("/", environ_overrides={"PATH_INFO": path})
    assert answer.status_code == 404
    assert answer.content_type == "application/json"
    assert answer.get_json()["errorCode"] == "CMN-102"


def test_the_status_line_carries_the_platforms_reason_phrase(admin, directory) -> None:
    ids = ",".join(str(e.id) for e in directory.accounts[0].extensions[:2])
    assert admin.get(f"{API}/extension/{ids}/presence").status == "207 Multi-Status"
    assert admin.client.delete(f"{API}/presence").status == "405 Method Not Allowed"


def test_answers_are_built_on_the_callers_scheme_and_host() -> None:
    # Names other than localhost and IP literals are answered once allowed (DNS rebinding).
    app = create_app({"allowed_hosts": "presence.example,*.example"})
    emulator = emulator_of(app)
    client = app.test_client()
    answer = client.post(
        "/restapi/oauth/token",
        base_url="https://presence.example:8443",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": credential_jwt(emulator.directory.accounts[0].administrator),
        },
        headers={"Authorization": basic_auth(emulator.directory)},
    )
    token = answer.get_json()["access_token"]
    for base in ("https://presence.example:8443", "http://other.example"):
        record = client.get(
            f"{API}/extension/~/presence",
            base_url=base,
            headers={"Authorization": f"Bearer {token}"},
        ).get_json()
        assert record["uri"].startswith(f"{base}/restapi/v1.0/account/")


def test_mounted_under_a_prefix_the_uris_carry_it(emulator) -> None:
    def other_app(environ, start_response):  # the user's own app at the root
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"their app"]

    mounted = DispatcherMiddleware(other_app, {"/rc": create_app(emulator=emulator)})
    client = Client(mounted)
    assert client.get("/anything").get_data() == b"their app"
    answer = client.post(
        "/rc/restapi/oauth/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": credential_jwt(emulator.directory.accounts[0].administrator),
        },
        headers={"Authorization": basic_auth(emulator.directory)},
    )
    token = answer.get_json()["access_token"]
    record = client.get(
        f"/rc{API}/extension/~/presence", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert record["uri"].startswith("http://localhost/rc/restapi/v1.0/account/")
