"""`GET /_mock/` lists every control from the route table; every list control answers one
envelope, `{"records": [...]}`; `/_mock/credentials` gives the login only to a client on this
machine, or to the holder of the controls token (decision CLI-6)."""

from __future__ import annotations

import pytest

from mockserver.config import Settings
from mockserver.operations import CONTROLS_PREFIX
from mockserver.web.app import create_app

ELSEWHERE = {"REMOTE_ADDR": "192.0.2.7"}  # a documentation address: another machine


def client_of(**settings):
    return create_app(Settings(**settings)).test_client()


def test_the_index_lists_every_control_the_app_serves_with_a_line_of_help():
    app = create_app(Settings())
    listed = app.test_client().get(f"{CONTROLS_PREFIX}/").get_json()["records"]
    shown = {(entry["method"], entry["path"]) for entry in listed}
    assert all(entry["help"].strip() for entry in listed)
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(CONTROLS_PREFIX + "/") or rule.endpoint == "board.static":
            continue  # the board's script and style are files of its page, not controls
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            served.add((method, rule.rule))
    # The index writes `<session>` and `{answer|hold|...}` for werkzeug's converters.
    assert len(shown) == len(served) == len(listed)
    paths = {path for _, path in shown}
    assert f"{CONTROLS_PREFIX}/credentials" in paths
    assert f"{CONTROLS_PREFIX}/calls/<session>/{{answer|hold|unhold|park|pickup|transfer|end}}" in (
        paths
    )
    assert ("POST", f"{CONTROLS_PREFIX}/reset") in shown


def test_the_index_is_a_control_locked_and_removed_as_the_others():
    assert client_of(controls="off").get(f"{CONTROLS_PREFIX}/").status_code == 404
    locked = client_of(controls="token", controls_token="s3cret-token")
    assert locked.get(f"{CONTROLS_PREFIX}/").status_code == 401
    headers = {"Authorization": "Bearer s3cret-token"}
    assert locked.get(f"{CONTROLS_PREFIX}/", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/requests", "/violations", "/events", "/event-log", "/calls", "/board/requests", "/"],
)
def test_every_list_control_answers_records(path):
    client = client_of()
    client.get("/restapi/v1.0/account/~/extension/~/presence")  # one journal entry (a 401)
    body = client.get(CONTROLS_PREFIX + path).get_json()
    assert isinstance(body, dict) and isinstance(body["records"], list)


def test_credentials_are_the_login_the_server_accepts():
    app = create_app(Settings())
    found = app.test_client().get(f"{CONTROLS_PREFIX}/credentials").get_json()
    login = app.extensions["presence_mock"].credentials()
    assert {k: found[k] for k in login} == login
    assert found["serverUrl"] == "http://localhost"
    assert "users" not in found
    every = app.test_client().get(f"{CONTROLS_PREFIX}/credentials?users=true").get_json()
    assert every["users"] and {"username", "password", "jwt"} <= set(every["users"][0])


def test_credentials_refuse_another_machine_while_the_controls_are_open():
    answer = client_of().get(f"{CONTROLS_PREFIX}/credentials", environ_base=ELSEWHERE)
    assert answer.status_code == 403
    assert "this machine" in answer.get_json()["message"]
    # The other controls stay open to it, as before.
    assert client_of().get(f"{CONTROLS_PREFIX}/clock", environ_base=ELSEWHERE).status_code == 200


def test_credentials_under_the_token_want_it_and_then_answer_from_anywhere():
    client = client_of(controls="token", controls_token="s3cret-token")
    path = f"{CONTROLS_PREFIX}/credentials"
    assert client.get(path).status_code == 401  # loopback is not enough under the token
    headers = {"Authorization": "Bearer s3cret-token"}
    assert client.get(path, headers=headers, environ_base=ELSEWHERE).status_code == 200


def test_credentials_are_gone_under_off_and_users_is_a_boolean():
    assert client_of(controls="off").get(f"{CONTROLS_PREFIX}/credentials").status_code == 404
    answer = client_of().get(f"{CONTROLS_PREFIX}/credentials?users=maybe")
    assert answer.status_code == 400 and answer.get_json()["errorCode"] == "CMN-101"


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_peers_are_this_machine(peer):
    answer = client_of().get(f"{CONTROLS_PREFIX}/credentials", environ_base={"REMOTE_ADDR": peer})
    assert answer.status_code == 200


def test_a_board_switched_off_is_not_listed_but_its_switch_is():
    paths = {e["path"] for e in client_of(board=False).get("/_mock/").get_json()["records"]}
    assert "/_mock/board/switch" in paths and "/_mock/board" not in paths
    assert "/_mock/reset" in paths


def test_the_prefix_without_its_slash_leads_to_the_index():
    answer = client_of().get(CONTROLS_PREFIX)
    assert answer.status_code == 308 and answer.headers["Location"].endswith("/_mock/")
