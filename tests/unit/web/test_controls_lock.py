"""`/_mock/` can be switched off (health stays) or locked with a bearer secret
given at start-up; by default it stays open (decision SERVE-12)."""

from __future__ import annotations

import pytest

from mockserver.cli.main import main
from mockserver.config import ConfigError, Settings
from mockserver.web.app import create_app

LOCKED = ["/_mock/requests", "/_mock/violations", "/_mock/clock"]


def client_of(**settings):
    app = create_app(Settings(**settings))
    return app.test_client()


def test_open_by_default():
    client = client_of()
    assert client.get("/_mock/clock").status_code == 200
    assert client.post("/_mock/reset").status_code == 200


def test_off_removes_everything_but_health():
    client = client_of(controls="off")
    assert client.get("/_mock/health").status_code == 200
    for path in LOCKED:
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.get_json()["errorCode"] == "CMN-102"
    assert client.post("/_mock/reset").status_code == 404
    assert client.post("/_mock/clock", json={"advance": 60}).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic c2VjcmV0", "Bearer sécret"])
def test_token_refuses_without_the_secret(header):
    client = client_of(controls="token", controls_token="s3cret")
    headers = {"Authorization": header} if header else {}
    assert client.get("/_mock/health").status_code == 200
    for path in LOCKED:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 401
        assert answer.get_json()["errorCode"] == "AGW-402"
    assert client.post("/_mock/reset", headers=headers).status_code == 401


def test_token_answers_the_bearer_of_the_secret():
    client = client_of(controls="token", controls_token="s3cret")
    headers = {"Authorization": "Bearer s3cret"}
    assert client.get("/_mock/requests", headers=headers).status_code == 200
    assert client.post("/_mock/reset", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "settings",
    [{"controls": "maybe"}, {"controls": "token"}, {"controls": "token", "controls_token": ""}],
)
def test_a_lock_that_cannot_work_is_refused_at_start(settings):
    with pytest.raises(ConfigError):
        create_app(Settings(**settings))


def test_the_cli_and_environment_set_the_lock(capsys):
    assert main(["serve", "--controls", "token", "--port", "0", "--workers", "1"]) == 2
    assert "--controls-token" in capsys.readouterr().err
    assert Settings.from_env({"PRESENCE_MOCK_CONTROLS": "off"}).controls == "off"
