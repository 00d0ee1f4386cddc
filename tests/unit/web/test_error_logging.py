"""An emulator bug is answered as a 500 in the platform's shape and logged with its traceback, but
the log never carries the token of the request (not even the full URI with an access_token in its
query)."""

from __future__ import annotations

import logging

import pytest

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.platform.credentials import credential_jwt
from mockserver.web.app import create_app
from tests.support.login import basic_auth

SECRET = "Zz9-never-in-a-log"


def test_a_bug_is_logged_without_the_query_token(caplog: pytest.LogCaptureFixture) -> None:
    emulator = Emulator.from_settings(Settings())
    app = create_app(emulator=emulator)
    client = app.test_client()
    admin = emulator.directory.accounts[0].administrator
    token = client.post(
        "/restapi/oauth/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": credential_jwt(admin),
        },
        headers={"Authorization": basic_auth(emulator.directory)},
    ).get_json()["access_token"]

    def broken(*_args: object) -> None:
        raise RuntimeError("a bug")

    emulator.presence.read_one = broken  # type: ignore[method-assign]
    caplog.set_level(logging.INFO, logger="presence_mock")
    answer = client.get(
        "/restapi/v1.0/account/~/extension/~/presence",
        query_string={"access_token": token, "password": SECRET},
    )
    assert answer.status_code == 500
    assert answer.get_json()["errorCode"] == "CMN-203"  # the errors page's 500 (FID-23)
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "unexpected error on GET /restapi/v1.0/account/~/extension/~/presence" in logged
    assert "RuntimeError: a bug" in caplog.text
    assert token not in caplog.text and SECRET not in caplog.text
