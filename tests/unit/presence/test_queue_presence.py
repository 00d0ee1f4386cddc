"""Call-queue presence from the queue and from the agent: what it answers, and every refusal
(docs/contract.md#queues; decisions QUEUE-1, QUEUE-3, QUEUE-4, QUEUE-6)."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from mockserver.directory.model import Directory, Extension, ExtensionType
from tests.support.answers import assert_error
from tests.support.login import Api, login

API = "/restapi/v1.0/account/~"


def queues(directory: Directory, editable: bool) -> list[Extension]:
    account = directory.accounts[0]
    return [
        e
        for e in account.extensions
        if e.type is ExtensionType.DEPARTMENT and e.members and e.editable_member_status is editable
    ]


def non_admin_members(directory: Directory, queue: Extension) -> list[Extension]:
    account = directory.accounts[0]
    found = [account.by_id[m.extension_id] for m in queue.members]
    return [e for e in found if not e.admin]


def queue_path(queue: Extension) -> str:
    return f"{API}/call-queues/{queue.id}/presence"


def member_body(member_id: int | str, accept: object) -> dict:
    return {"records": [{"member": {"id": str(member_id)}, "acceptCurrentQueueCalls": accept}]}


def agent_body(queue_id: int | str, accept: object) -> dict:
    return {"records": [{"callQueue": {"id": str(queue_id)}, "acceptCalls": accept}]}


@pytest.fixture
def queue(directory: Directory) -> Extension:
    return queues(directory, editable=True)[0]


@pytest.fixture
def member(client: Client, directory: Directory, queue: Extension) -> Api:
    """A standard user in an editable queue."""
    return login(client, directory, non_admin_members(directory, queue)[0])


def flag_in_queue(api: Api, queue: Extension, member_id: int) -> bool:
    records = api.get(queue_path(queue)).get_json()["records"]
    return next(
        r["acceptCurrentQueueCalls"] for r in records if r["member"]["id"] == str(member_id)
    )


# -- what is allowed, so that the refusals below are refusals of something that works ----------
def test_a_member_changes_their_own_flag_seen_from_both_sides(member, queue):
    before = flag_in_queue(member, queue, member.owner.id)
    answer = member.put(queue_path(queue), member_body(member.owner.id, not before))
    assert answer.status_code == 200
    assert flag_in_queue(member, queue, member.owner.id) is (not before)
    agent = member.get(f"{API}/extension/~/call-queue-presence").get_json()["records"]
    assert next(r["acceptCalls"] for r in agent if r["callQueue"]["id"] == str(queue.id)) is (
        not before
    )


def test_the_admin_changes_anyones_flag_in_any_queue(admin, directory):
    fixed = queues(directory, editable=False)[0]
    someone = non_admin_members(directory, fixed)[0]
    before = flag_in_queue(admin, fixed, someone.id)
    answer = admin.put(queue_path(fixed), member_body(someone.id, not before))
    assert answer.status_code == 200
    assert flag_in_queue(admin, fixed, someone.id) is (not before)


# -- 403 InsufficientPermissions (decision QUEUE-4) -------------------------------------------
def test_a_member_may_not_change_another_members_flag(member, directory, queue):
    other = non_admin_members(directory, queue)[1]
    before = flag_in_queue(member, queue, other.id)
    answer = member.put(queue_path(queue), member_body(other.id, not before))
    body = assert_error(
        answer, 403, "InsufficientPermissions", permissionName="EditCallQueuePresence"
    )
    assert body["message"] == "[EditCallQueuePresence] permission required"
    assert flag_in_queue(member, queue, other.id) is before  # nothing changed


def test_a_member_may_not_change_their_flag_where_the_queue_forbids_it(client, directory):
    fixed = queues(directory, editable=False)[0]
    agent = login(client, directory, non_admin_members(directory, fixed)[0])
    by_queue = agent.put(queue_path(fixed), member_body(agent.owner.id, False))
    assert_error(by_queue, 403, "InsufficientPermissions", permissionName="EditCallQueuePresence")
    by_agent = agent.put(f"{API}/extension/~/call-queue-presence", agent_body(fixed.id, False))
    assert_error(by_agent, 403, "InsufficientPermissions", permissionName="EditCallQueuePresence")


def test_a_standard_user_may_not_read_nor_set_a_colleagues_agent_view(member, directory, queue):
    other = non_admin_members(directory, queue)[1]
    path = f"{API}/extension/{other.id}/call-queue-presence"
    assert_error(
        member.get(path), 403, "InsufficientPermissions", permissionName="ReadPresenceStatus"
    )
    refused = member.put(path, agent_body(queue.id, True))
    assert_error(refused, 403, "InsufficientPermissions", permissionName="ReadPresenceStatus")


# -- 400: bodies (QUEUE-4, QUEUE-3; CMN-103 for what is not a JSON object) ---------------------
@pytest.mark.parametrize("raw", [b"", b"not json", b"[]", b'"records"', b"{", b"\xff\xfe"])
@pytest.mark.parametrize("view", ["queue", "agent"])
def test_a_body_that_is_not_a_json_object_is_cmn_103(admin, queue, raw, view):
    path = queue_path(queue) if view == "queue" else f"{API}/extension/~/call-queue-presence"
    body = assert_error(admin.put(path, raw=raw), 400, "CMN-103")
    assert body["message"] == "JSON can't be parsed."


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"records": "all"}, "records"),
        ({"records": ["x"]}, "records[0]"),
        (member_body(1, "yes"), "records[0].acceptCurrentQueueCalls"),
        (member_body(1, 1), "records[0].acceptCurrentQueueCalls"),
        (
            {"records": [{"member": {"id": 5}, "acceptCurrentQueueCalls": True}]},
            "records[0].member.id",
        ),
        ({"records": [{"member": "x", "acceptCurrentQueueCalls": True}]}, "records[0].member"),
    ],
)
def test_queue_put_with_a_wrong_type_is_cmn_101_naming_the_field(admin, queue, body, parameter):
    answer = admin.put(queue_path(queue), body)
    assert_error(answer, 400, "CMN-101", parameterName=parameter)
    assert answer.get_json()["message"] == f"Parameter [{parameter}] value is invalid."


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        (agent_body(1, "no"), "records[0].acceptCalls"),
        ({"records": [{"callQueue": {"id": 7}, "acceptCalls": True}]}, "records[0].callQueue.id"),
        ({"records": {"callQueue": {}}}, "records"),
    ],
)
def test_agent_put_with_a_wrong_type_is_cmn_101_naming_the_field(admin, body, parameter):
    answer = admin.put(f"{API}/extension/~/call-queue-presence", body)
    assert_error(answer, 400, "CMN-101", parameterName=parameter)


def test_a_member_who_does_not_belong_is_cmn_101(admin, directory, queue):
    stranger = next(
        e
        for e in directory.accounts[0].extensions
        if e.type.is_user and e.id not in {m.extension_id for m in queue.members}
    )
    for member_id in (stranger.id, "abc", queue.id):
        answer = admin.put(queue_path(queue), member_body(member_id, True))
        assert_error(answer, 400, "CMN-101", parameterName="records[0].member.id")


def test_a_queue_the_agent_is_not_in_is_cmn_101(member, directory, queue):
    other_queues = [q for q in queues(directory, True) if q.id != queue.id]
    not_mine = next(
        q for q in other_queues if member.owner.id not in {m.extension_id for m in q.members}
    )
    for queue_id in (not_mine.id, member.owner.id, "x"):
        answer = member.put(f"{API}/extension/~/call-queue-presence", agent_body(queue_id, True))
        assert_error(answer, 400, "CMN-101", parameterName="records[0].callQueue.id")


def test_a_refused_record_changes_none_of_the_others(admin, directory, queue):
    first = non_admin_members(directory, queue)[0]
    before = flag_in_queue(admin, queue, first.id)
    body = member_body(first.id, not before)
    body["records"].append({"member": {"id": "1"}, "acceptCurrentQueueCalls": True})
    answer = admin.put(queue_path(queue), body)
    assert_error(answer, 400, "CMN-101", parameterName="records[1].member.id")
    assert flag_in_queue(admin, queue, first.id) is before


def test_accept_queue_calls_is_read_only_in_a_put(admin, directory, queue):
    first = non_admin_members(directory, queue)[0]
    records = admin.get(queue_path(queue)).get_json()["records"]
    mirrored = next(r["acceptQueueCalls"] for r in records if r["member"]["id"] == str(first.id))
    body = {"records": [{"member": {"id": str(first.id)}, "acceptQueueCalls": not mirrored}]}
    answer = admin.put(queue_path(queue), body)
    assert answer.status_code == 200
    after = next(r for r in answer.get_json()["records"] if r["member"]["id"] == str(first.id))
    assert after["acceptQueueCalls"] is mirrored


def test_editable_member_status_must_be_a_boolean(member):
    answer = member.get(f"{API}/extension/~/call-queue-presence", editableMemberStatus="maybe")
    assert_error(answer, 400, "CMN-101", parameterName="editableMemberStatus")


# -- 404: unknown queue, extension, account (QUEUE-1, docs/contract.md#unknown-ids) ------------
def test_only_a_department_is_a_queue(admin, directory):
    account = directory.accounts[0]
    not_queues = [
        account.administrator.id,
        next(e.id for e in account.extensions if e.type is ExtensionType.IVR_MENU),
        999,
        "abc",
        "~",
        directory.accounts[1].extensions[-1].id,  # another account's extension
    ]
    for group in not_queues:
        for answer in (
            admin.get(f"{API}/call-queues/{group}/presence"),
            admin.put(f"{API}/call-queues/{group}/presence", {"records": []}),
        ):
            body = assert_error(answer, 404, "CMN-102", parameterName="groupId")
            assert body["message"] == "Resource for parameter [groupId] is not found"


def test_another_accounts_queue_is_not_found_by_account(outsider, directory, queue):
    path = f"/restapi/v1.0/account/{queue.account_id}/call-queues/{queue.id}/presence"
    assert_error(outsider.get(path), 404, "CMN-102", parameterName="accountId")
    assert_error(outsider.put(path, {"records": []}), 404, "CMN-102", parameterName="accountId")
    # through `~` the queue is not one of the outsider's account
    assert_error(outsider.get(queue_path(queue)), 404, "CMN-102", parameterName="groupId")


def test_an_unknown_agent_is_not_found(admin):
    for extension in ("999", "abc"):
        path = f"{API}/extension/{extension}/call-queue-presence"
        assert_error(admin.get(path), 404, "CMN-102", parameterName="extensionId")
        refused = admin.put(path, {"records": []})
        assert_error(refused, 404, "CMN-102", parameterName="extensionId")
    other = "/restapi/v1.0/account/1/extension/~/call-queue-presence"
    assert_error(admin.get(other), 404, "CMN-102", parameterName="accountId")
