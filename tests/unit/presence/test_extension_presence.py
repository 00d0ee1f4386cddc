"""GET one extension's presence: `~`, by ID, flags, non-users, visibility, not found."""

import pytest

from mockserver.directory.model import NON_USER_TYPES
from tests.support.answers import find
from tests.support.login import login

API = "/restapi/v1.0/account/~"


def test_own_presence_by_tilde_is_the_token_owner(admin):
    answer = admin.get(f"{API}/extension/~/presence")
    assert answer.status_code == 200
    assert answer.content_type == "application/json"
    body = answer.get_json()
    owner = admin.owner
    assert body["extension"] == {
        "id": owner.id,
        "uri": f"http://localhost/restapi/v1.0/account/{owner.account_id}/extension/{owner.id}",
        "extensionNumber": owner.number,
    }
    assert body["uri"] == body["extension"]["uri"] + "/presence"
    for field in ("presenceStatus", "telephonyStatus", "userStatus", "dndStatus"):
        assert field in body
    # A status message only when the user has one: never written empty (decision FID-2).
    assert body.get("message", "x") != ""
    assert "activeCalls" not in body


def test_presence_by_id_equals_presence_by_account_id(admin, directory):
    ext = find(directory, lambda e: e.type.is_user and not e.admin)
    by_tilde = admin.get(f"{API}/extension/{ext.id}/presence").get_json()
    by_id = admin.get(
        f"/restapi/v1.0/account/{ext.account_id}/extension/{ext.id}/presence"
    ).get_json()
    assert by_tilde == by_id
    assert by_id["extension"]["id"] == ext.id


@pytest.mark.parametrize("word", ["true", "True", "TRUE", "tRuE"])
def test_detailed_flag_is_case_insensitive(admin, directory, word):
    caller = find(directory, lambda e: len(e.active_calls) > 0)
    body = admin.get(
        f"{API}/extension/{caller.id}/presence", detailedTelephonyState=word
    ).get_json()
    assert len(body["activeCalls"]) == len(caller.active_calls)
    assert all("sipData" not in call for call in body["activeCalls"])


@pytest.mark.parametrize("word", ["false", "False", "FALSE"])
def test_detailed_false_has_no_active_calls(admin, directory, word):
    caller = find(directory, lambda e: len(e.active_calls) > 0)
    body = admin.get(
        f"{API}/extension/{caller.id}/presence", detailedTelephonyState=word
    ).get_json()
    assert "activeCalls" not in body


def test_sip_data_needs_detailed_too(admin, directory):
    caller = find(directory, lambda e: len(e.active_calls) > 0)
    path = f"{API}/extension/{caller.id}/presence"
    alone = admin.get(path, sipData="true").get_json()
    assert "activeCalls" not in alone
    both = admin.get(path, detailedTelephonyState="true", sipData="True").get_json()
    assert all(
        set(call["sipData"]) >= {"callId", "toTag", "fromTag"} for call in both["activeCalls"]
    )


@pytest.mark.parametrize("flag", ["detailedTelephonyState", "sipData"])
@pytest.mark.parametrize("word", ["yes", "1", "", "truee"])
def test_bad_flag_is_cmn_101(admin, flag, word):
    answer = admin.get(f"{API}/extension/~/presence", **{flag: word})
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["errorCode"] == "CMN-101"
    assert body["parameterName"] == flag
    assert body["errors"] == [
        {
            "errorCode": "CMN-101",
            "message": f"Parameter [{flag}] value is invalid.",
            "parameterName": flag,
        }
    ]


@pytest.mark.parametrize("kind", sorted(NON_USER_TYPES))
def test_non_user_extensions_read_only_offline(admin, directory, kind):
    ext = find(directory, lambda e: e.type == kind)
    body = admin.get(f"{API}/extension/{ext.id}/presence", detailedTelephonyState="true").get_json()
    assert set(body) == {"uri", "extension", "presenceStatus"}
    assert body["presenceStatus"] == "Offline"


def test_telephony_state_drives_presence(admin, directory):
    on_call = find(
        directory,
        lambda e: (
            e.type.is_user
            and e.settings.get("userStatus") == "Available"
            and any(c["telephonyStatus"] == "CallConnected" for c in e.active_calls)
            and e.settings.get("allowSeeMyPresence", True)
        ),
    )
    body = admin.get(f"{API}/extension/{on_call.id}/presence").get_json()
    assert body["telephonyStatus"] == "CallConnected"
    assert body["presenceStatus"] == "Busy"
    assert body["aggregatedTelephonyStatus"] == "CallConnected"


def test_hidden_user_reads_offline_to_other_users(client, directory):
    hidden = find(
        directory, lambda e: e.type.is_user and not e.settings.get("allowSeeMyPresence", True)
    )
    other = find(directory, lambda e: e.type.is_user and not e.admin and e.id != hidden.id)
    body = login(client, directory, other).get(f"{API}/extension/{hidden.id}/presence").get_json()
    assert set(body) == {"uri", "extension", "presenceStatus"}
    assert body["presenceStatus"] == "Offline"


def test_hidden_user_is_real_to_themself_and_to_an_admin(client, directory):
    hidden = find(
        directory, lambda e: e.type.is_user and not e.settings.get("allowSeeMyPresence", True)
    )
    admin = login(client, directory, directory.accounts[0].administrator)
    for caller in (login(client, directory, hidden), admin):
        body = caller.get(f"{API}/extension/{hidden.id}/presence").get_json()
        assert body["allowSeeMyPresence"] is False
        assert "userStatus" in body


@pytest.mark.parametrize("ext_id", ["999999999999", "abc", "-1"])
def test_unknown_extension_is_404_cmn_102(admin, ext_id):
    answer = admin.get(f"{API}/extension/{ext_id}/presence")
    assert answer.status_code == 404
    assert answer.get_json() == {
        "errorCode": "CMN-102",
        "message": "Resource for parameter [extensionId] is not found",
        "parameterName": "extensionId",
        "errors": [
            {
                "errorCode": "CMN-102",
                "message": "Resource for parameter [extensionId] is not found",
                "parameterName": "extensionId",
            }
        ],
    }


def test_another_accounts_id_is_404_account(admin, directory):
    other = directory.accounts[1]
    answer = admin.get(
        f"/restapi/v1.0/account/{other.id}/extension/{other.administrator.id}/presence"
    )
    assert answer.status_code == 404
    assert answer.get_json()["parameterName"] == "accountId"


def test_another_accounts_extension_is_not_found_in_mine(admin, directory):
    stranger = directory.accounts[1].administrator
    answer = admin.get(f"{API}/extension/{stranger.id}/presence")
    assert answer.status_code == 404
    assert answer.get_json()["parameterName"] == "extensionId"


def test_second_account_reads_its_own_owner(outsider, directory):
    body = outsider.get(f"{API}/extension/~/presence").get_json()
    assert body["extension"]["id"] == directory.accounts[1].administrator.id
    assert str(directory.accounts[1].id) in body["uri"]
