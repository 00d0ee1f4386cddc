"""Users and their logins: `credentials --json` users, derived passwords, `/_mock/clock`."""

from __future__ import annotations

import json

import pytest

from mockserver.cli.main import credentials
from mockserver.config import Settings
from mockserver.directory.builder import build_directory
from mockserver.platform.users import password, users
from tests.support.login import basic_auth

FIELDS = {
    "accountId",
    "extensionId",
    "extensionNumber",
    "name",
    "username",
    "password",
    "jwt",
    "admin",
}


def test_credentials_json_lists_every_user_of_every_account(directory):
    printed = json.loads(credentials(Settings(), "json"))
    assert {"clientId", "clientSecret", "jwt", "users"} <= set(printed)
    listed = printed["users"]
    expected = [e for a in directory.accounts for e in a.extensions if e.type.is_user]
    assert [u["extensionId"] for u in listed] == [e.id for e in expected]
    assert all(set(u) == FIELDS for u in listed)
    admins = [u for u in listed if u["admin"]]
    assert [u["accountId"] for u in admins] == [a.id for a in directory.accounts]
    assert admins[0]["jwt"] == printed["jwt"]
    assert all(u["username"].startswith("+") for u in listed)


def test_passwords_are_the_same_for_the_same_account_and_differ_between_users():
    first, again = users(build_directory()), users(build_directory())
    assert [u["password"] for u in first] == [u["password"] for u in again]
    assert len({u["password"] for u in first}) == len(first)


def test_every_listed_user_can_log_in_with_username_and_password(client, directory):
    for entry in users(directory):
        answer = client.post(
            "/restapi/oauth/token",
            data={
                "grant_type": "password",
                "username": entry["username"],
                "password": entry["password"],
            },
            headers={"Authorization": basic_auth(directory)},
        )
        assert answer.get_json()["owner_id"] == str(entry["extensionId"]), entry


def test_password_shape(directory):
    assert password(directory.accounts[0].administrator).startswith("Demo-")


# -- /_mock/clock ---------------------------------------------------------------------------------
def test_clock_reads_and_advances(client, emulator):
    assert client.get("/_mock/clock").get_json()["offset"] == 0
    answer = client.post("/_mock/clock", json={"advance": 3601})
    assert answer.status_code == 200
    assert answer.get_json()["offset"] == 3601
    assert emulator.clock.offset == 3601
    assert client.post("/_mock/clock", json={"advance": 0.5}).get_json()["offset"] == 3601.5


def test_advancing_the_clock_expires_tokens(client, admin):
    client.post("/_mock/clock", json={"advance": 3600})
    assert admin.get("/restapi/v1.0/account/~/extension/~/presence").get_json()["errorCode"] == (
        "OAU-128"
    )


@pytest.mark.parametrize("body", [{"advance": -1}, {"advance": "10"}, {"advance": True}, {}, []])
def test_clock_refuses_bad_moves(client, body):
    answer = client.post("/_mock/clock", json=body)
    assert answer.status_code == 400
    assert answer.get_json()["parameterName"] == "advance"


def test_clock_refuses_a_body_that_is_not_json(client):
    answer = client.post("/_mock/clock", data=b"{", content_type="application/json")
    assert answer.get_json()["errorCode"] == "CMN-103"
