"""App permissions (403 CMN-401), user permissions (403 CMN-408) and allowSeeMyPresence
(docs/contract.md#permissions, #visibility), with apps configured through a fixture file."""

from __future__ import annotations

import email
import email.policy
import json

import pytest

from mockserver.platform.credentials import credential_jwt
from mockserver.platform.tokens import JWT_GRANT
from tests.support.answers import find
from tests.support.apps import emulator_with_apps
from tests.support.login import app_auth, bearer_headers, login

API = "/restapi/v1.0/account/~"
ME = f"{API}/extension/~/presence"


# -- app permissions ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("granted", "allowed", "refused", "missing"),
    [
        (["ReadPresence"], "GET", "PUT", "EditPresence"),
        (["EditPresence"], "PUT", "GET", "ReadPresence"),
    ],
)
def test_an_app_without_a_permission_is_refused(tmp_path, granted, allowed, refused, missing):
    emulator, client = emulator_with_apps(tmp_path, [granted])
    admin = emulator.directory.accounts[0].administrator
    headers = bearer_headers(client, emulator.directory.apps[1], admin)
    calls = {
        "GET": lambda: client.get(ME, headers=headers),
        "PUT": lambda: client.put(ME, json={"userStatus": "Busy"}, headers=headers),
    }
    assert calls[allowed]().status_code == 200
    answer = calls[refused]()
    assert answer.status_code == 403
    body = answer.get_json()
    assert body["errorCode"] == "InsufficientPermissions"  # decision FID-5
    assert body["errors"][0]["errorCode"] == "CMN-401"
    assert body["errors"][0]["permissionName"] == body["permissionName"] == missing
    assert missing in body["message"]


def test_without_read_presence_every_read_is_refused(tmp_path):
    emulator, client = emulator_with_apps(tmp_path, [["EditPresence"]])
    account = emulator.directory.accounts[0]
    headers = bearer_headers(client, emulator.directory.apps[1], account.administrator)
    a, b = [e.id for e in account.extensions[:2]]
    for path in (
        f"{API}/presence",
        f"{API}/extension/{a}/presence",
        f"{API}/extension/{a},{b}/presence",
    ):
        assert client.get(path, headers=headers).get_json()["errors"][0]["errorCode"] == "CMN-401"


def test_the_token_scope_lists_the_apps_permissions(tmp_path):
    emulator, client = emulator_with_apps(tmp_path, [["ReadPresence"]])
    answer = client.post(
        "/restapi/oauth/token",
        data={
            "grant_type": JWT_GRANT,
            "assertion": credential_jwt(emulator.directory.accounts[0].administrator),
        },
        headers={"Authorization": app_auth(emulator.directory.apps[1])},
    )
    assert answer.get_json()["scope"] == "ReadPresence"


def test_the_demo_app_has_every_permission_served(directory):
    assert directory.apps[0].permissions == {
        "ReadPresence",
        "EditPresence",
        "ReadAccounts",
        "ReadCallLog",
        "SubscriptionWebhook",  # WebHook subscriptions
        "WebSocket",  # POST /restapi/oauth/wstoken
    }


# -- user permissions ---------------------------------------------------------------------------
def test_a_standard_user_may_not_update_a_colleague(user, directory):
    colleague = find(directory, lambda e: e.type.is_user and e.id != user.owner.id)
    answer = user.put(f"{API}/extension/{colleague.id}/presence", {"userStatus": "Busy"})
    assert answer.status_code == 403
    assert answer.get_json()["errorCode"] == "CMN-408"
    assert (
        user.put(f"{API}/extension/{user.owner.id}/presence", {"userStatus": "Busy"}).status_code
        == 200
    )


def test_an_administrator_may_update_anyone_in_the_account(admin, directory):
    colleague = find(directory, lambda e: e.type.is_user and not e.admin)
    answer = admin.put(f"{API}/extension/{colleague.id}/presence", {"userStatus": "Busy"})
    assert answer.status_code == 200
    assert answer.get_json()["userStatus"] == "Busy"


# -- allowSeeMyPresence ---------------------------------------------------------------------------
def hidden_user(directory):
    return find(
        directory, lambda e: e.type.is_user and not e.settings.get("allowSeeMyPresence", True)
    )


def parts_of(answer):
    head = f"Content-Type: {answer.headers['Content-Type']}\r\n\r\n".encode()
    message = email.message_from_bytes(head + answer.get_data(), policy=email.policy.HTTP)
    return [json.loads(part.get_content()) for part in message.iter_parts()]


def record_in_listing(api, ext_id):
    body = api.get(f"{API}/presence", perPage=1000).get_json()
    return next(r for r in body["records"] if r["extension"]["id"] == ext_id)


def test_a_hidden_user_reads_offline_to_colleagues_everywhere(user, directory):
    hidden = hidden_user(directory)
    assert hidden.settings["userStatus"] != "Offline" or hidden.active_calls
    shape = {"uri", "extension", "presenceStatus"}
    one = user.get(f"{API}/extension/{hidden.id}/presence").get_json()
    listed = record_in_listing(user, hidden.id)
    batch = parts_of(user.get(f"{API}/extension/{hidden.id},{user.owner.id}/presence"))[1]
    for record in (one, listed, batch):
        assert set(record) == shape
        assert record["presenceStatus"] == "Offline"


def test_a_hidden_user_is_seen_by_the_admin_and_themself(admin, client, directory):
    hidden = hidden_user(directory)
    themself = login(client, directory, hidden)
    for api in (admin, themself):
        assert "userStatus" in record_in_listing(api, hidden.id)
        batch = parts_of(
            api.get(
                f"{API}/extension/{hidden.id},{directory.accounts[0].administrator.id}/presence"
            )
        )
        assert "userStatus" in batch[1]


def test_hiding_by_put_takes_effect_for_colleagues(user, client, directory):
    visible = find(
        directory,
        lambda e: (
            e.type.is_user
            and e.id != user.owner.id
            and e.settings.get("allowSeeMyPresence", True)
            and not e.admin
        ),
    )
    owner = login(client, directory, visible)
    assert "userStatus" in record_in_listing(user, visible.id)
    owner.put(ME, {"allowSeeMyPresence": False})
    assert set(record_in_listing(user, visible.id)) == {"uri", "extension", "presenceStatus"}
