"""The emulator's Flask class remembers routing, bindings and its null session, and answers
exactly as Flask does: the same rule and arguments, the host each request named, redirects and
refusals every time, a fresh argument dict per request, no session writes without a key."""

from __future__ import annotations

from typing import Any

import flask
import pytest
from flask.sessions import NullSession
from werkzeug.routing import Rule
from werkzeug.test import Client

from mockserver import create_app
from mockserver.web.flask_app import MATCHES_KEPT, EmulatorFlask, RememberingMap
from tests.support.login import login

API = "/restapi/v1.0/account/~"


def _app() -> EmulatorFlask:
    app = EmulatorFlask("remembering")
    app.url_map.merge_slashes = False

    @app.get("/things/<thing>")
    def thing(thing: str) -> dict[str, Any]:
        arguments = flask.request.view_args or {}
        answer = {"thing": thing, "host": flask.request.host, "arguments": dict(arguments)}
        arguments["spoiled"] = "by this request"  # must not reach the next request
        return answer

    @app.get("/folder/")
    def folder() -> str:
        return "folder"

    @app.get("/session")
    def session() -> str:
        return str(isinstance(flask.session, NullSession))

    return app


def test_a_path_asked_again_matches_the_same_rule_with_fresh_arguments() -> None:
    app = _app()
    client = app.test_client()
    first = client.get("/things/a").get_json()
    again = client.get("/things/a").get_json()
    assert first == again == {"thing": "a", "host": "localhost", "arguments": {"thing": "a"}}
    assert client.get("/things/b").get_json()["thing"] == "b"
    assert len(app.url_map.matched) == 2


def test_each_request_gets_the_host_it_named_though_the_binding_is_remembered() -> None:
    client = _app().test_client()
    for host in ("one.localhost:8080", "TWO.localhost", "one.localhost:8080", "127.0.0.1:9"):
        answer = client.get("/things/x", headers={"Host": host}).get_json()
        assert answer["host"] == host


def test_redirects_and_refusals_are_answered_every_time_and_never_remembered() -> None:
    app = _app()
    client = app.test_client()
    for _ in range(3):
        assert client.get("/folder").status_code == 308
        assert client.get("/nothing/here").status_code == 404
        assert client.post("/things/a").status_code == 405
    assert app.url_map.matched == {}


def test_a_rule_added_later_is_matched_not_the_remembered_answer() -> None:
    app = _app()
    client = app.test_client()
    assert client.get("/things/special").get_json()["thing"] == "special"
    # Flask refuses add_url_rule after the first request; the map itself still takes rules.
    app.url_map.add(Rule("/things/special", endpoint="special", methods=["GET"]))
    app.view_functions["special"] = lambda: "the new rule"
    assert client.get("/things/special").get_data(as_text=True) == "the new rule"


def test_what_is_remembered_is_bounded() -> None:
    app = _app()
    client = app.test_client()
    for n in range(MATCHES_KEPT + 5):
        client.get(f"/things/{n}")
    assert isinstance(app.url_map, RememberingMap)
    assert 0 < len(app.url_map.matched) <= MATCHES_KEPT


def test_without_a_secret_key_the_session_is_one_shared_null_session_that_refuses_writes() -> None:
    app = _app()

    @app.get("/write")
    def write() -> str:
        flask.session["x"] = "y"
        return "written"

    app.testing = True  # the error reaches the test instead of a 500
    client = app.test_client()
    assert client.get("/session").get_data(as_text=True) == "True"
    with pytest.raises(RuntimeError, match="secret key"):
        client.get("/write")
    assert isinstance(app.session_interface.make_null_session(app), NullSession)


def test_with_a_secret_key_a_users_blueprint_keeps_flask_sessions() -> None:
    app = create_app()
    app.secret_key = "a user's own key"
    mine = flask.Blueprint("mine", __name__)

    @mine.get("/my/count")
    def count() -> dict[str, int]:
        flask.session["n"] = flask.session.get("n", 0) + 1
        return {"n": flask.session["n"]}

    app.register_blueprint(mine)
    client = app.test_client()
    assert [client.get("/my/count").get_json()["n"] for _ in range(3)] == [1, 2, 3]


def test_the_emulator_answers_under_each_host_its_own_links() -> None:
    app = create_app()
    assert isinstance(app, EmulatorFlask)
    client = Client(app)
    directory = app.extensions["presence_mock"].directory
    caller = login(client, directory, directory.accounts[0].administrator)
    for host in ("localhost:1111", "127.0.0.1:2222", "localhost:1111"):
        headers = {**caller.headers(), "Host": host}
        answer = client.get(f"{API}/extension/~/presence", headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.get_json()["uri"].startswith(f"http://{host}/restapi/v1.0/"), answer.text
