"""PresenceMock hands the Flask app of a mock that is gone to the next one (set-up in a few ms),
and never one that is still held or that a test changed."""

from __future__ import annotations

import gc

import requests
from flask import Blueprint

from mockserver.inprocess import PresenceMock

URL = "https://platform.ringcentral.com/restapi/v1.0/account/~/extension/~/presence"


def _used() -> int:
    mock = PresenceMock()
    with mock:
        assert requests.get(URL, timeout=5).status_code == 401
    return id(mock.app)


def test_the_app_of_a_mock_gone_serves_the_next_one() -> None:
    gc.collect()
    seen = {_used() for _ in range(6)}
    assert len(seen) < 6


def test_a_reused_app_serves_its_new_emulator_only() -> None:
    first = PresenceMock()
    with first:
        assert requests.get(URL, timeout=5).status_code == 401
    first_emulator = first.emulator
    del first
    second = PresenceMock(extensions=57)
    assert second.emulator is not first_emulator
    assert second.app.extensions["presence_mock"] is second.emulator
    with second:
        session = requests.Session()
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}
        form["assertion"] = second.credentials["jwt"]
        creds = second.credentials
        answer = session.post(
            "https://platform.ringcentral.com/restapi/oauth/token",
            data=form,
            auth=(creds["clientId"], creds["clientSecret"]),
            timeout=5,
        )
        assert answer.status_code == 200
        token = answer.json()["access_token"]
        page = session.get(
            "https://platform.ringcentral.com/restapi/v1.0/account/~/presence",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert page.status_code == 200
        assert len(page.json()["records"]) == 57


def test_an_app_still_held_is_not_handed_on() -> None:
    mock = PresenceMock()
    held = mock.app
    del mock
    gc.collect()
    others = [PresenceMock() for _ in range(3)]
    assert all(other.app is not held for other in others)
    assert held.extensions["presence_mock"] is not None


def test_an_app_a_test_changed_is_not_handed_on() -> None:
    mock = PresenceMock()
    blueprint = Blueprint("own", __name__)
    blueprint.add_url_rule("/own", "own", lambda: "own")
    mock.app.register_blueprint(blueprint)
    del mock, blueprint
    gc.collect()
    for _ in range(3):
        other = PresenceMock()
        assert "own" not in other.app.blueprints
        del other


def test_a_reused_app_takes_blueprints_of_the_test_own() -> None:
    _used()
    mock = PresenceMock()
    blueprint = Blueprint("mine", __name__)
    blueprint.add_url_rule("/mine", "mine", lambda: "mine")
    mock.app.register_blueprint(blueprint)  # Flask refuses this once an app has served
    assert mock.app.test_client().get("/mine").get_data(as_text=True) == "mine"
