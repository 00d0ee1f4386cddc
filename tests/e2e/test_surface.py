"""End to end: the rest of the Presence tag, the directory and active calls through
the official `ringcentral` Python SDK against a real `presence-mock serve` (responses checked
against their schemas by the server), and the batch as JSON through a plain `requests` call."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.live_server import COMMAND, serving
from tests.support.login import sdk_platform

API = "/restapi/v1.0/account/~"
MULTIPART_JSON = "application/vnd.ringcentral.multipart+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(Path(tmp_path_factory.mktemp("serve"))) as url:
        yield url


@pytest.fixture(scope="module")
def credentials() -> dict[str, str]:
    printed = subprocess.run([COMMAND, "credentials", "--json"], capture_output=True, check=True)
    return json.loads(printed.stdout)


@pytest.fixture
def platform(server: str, credentials: dict[str, str]):  # type: ignore[no-untyped-def]
    requests.post(f"{server}/_mock/reset", timeout=5).raise_for_status()
    platform = sdk_platform(server, credentials)
    yield platform
    requests.post(f"{server}/_mock/reset", timeout=5)


def test_sdk_reads_the_account_and_the_extension_list(platform) -> None:  # type: ignore[no-untyped-def]
    account = platform.get(API).json_dict()
    assert account["status"] == "Confirmed" and isinstance(account["id"], int)
    listing = platform.get(f"{API}/extension", {"type": "Department", "perPage": 2}).json_dict()
    assert listing["paging"]["perPage"] == 2 and len(listing["records"]) == 2
    assert {r["type"] for r in listing["records"]} == {"Department"}
    assert listing["navigation"]["nextPage"]["uri"].endswith("page=2&perPage=2&type=Department")
    own = platform.get(f"{API}/extension/~").json_dict()
    assert own["account"]["id"] == str(account["id"])
    assert own["contact"]["email"].endswith(".example.com")
    found = platform.get(f"{API}/extension", {"email": own["contact"]["email"].upper()})
    assert [r["id"] for r in found.json_dict()["records"]] == [own["id"]]
    with pytest.raises(Exception, match="CMN-101"):
        platform.get(f"{API}/extension", {"status": "Sleeping"})


def test_sdk_reads_active_calls_that_agree_with_presence(platform, server: str) -> None:  # type: ignore[no-untyped-def]
    listing = platform.get(f"{API}/presence", {"perPage": 1000, "detailedTelephonyState": True})
    busy = [
        r for r in listing.json_dict()["records"]
        if any(c["telephonyStatus"] == "CallConnected" for c in r.get("activeCalls", []))
    ]  # fmt: skip
    record = busy[0]
    ext = record["extension"]["id"]
    calls = platform.get(f"{API}/extension/{ext}/active-calls", {"view": "Detailed"}).json_dict()
    sessions = {r["telephonySessionId"] for r in calls["records"]}
    connected = {
        c["telephonySessionId"]
        for c in record["activeCalls"]
        if c["telephonyStatus"] in ("CallConnected", "OnHold", "ParkedCall")
    }
    assert sessions == connected
    assert all(r["result"] == "In Progress" and r["legs"][0]["master"] for r in calls["records"])
    assert calls["uri"].endswith("active-calls?view=Detailed&page=1&perPage=100")


def test_sdk_reads_and_sets_call_queue_presence_from_both_sides(platform) -> None:  # type: ignore[no-untyped-def]
    agent = platform.get(f"{API}/extension/~/call-queue-presence").json_dict()
    queue = agent["records"][0]["callQueue"]
    assert agent["records"][0]["acceptCalls"] is True
    changed = platform.put(
        f"{API}/extension/~/call-queue-presence",
        {"records": [{"callQueue": {"id": queue["id"]}, "acceptCalls": False}]},
    ).json_dict()
    assert changed["records"][0]["acceptCalls"] is False
    owner = platform.auth().data()["owner_id"]
    members = platform.get(f"{API}/call-queues/{queue['id']}/presence").json_dict()["records"]
    mine = next(m for m in members if m["member"]["id"] == owner)
    assert mine["acceptCurrentQueueCalls"] is False
    back = platform.put(
        f"{API}/call-queues/{queue['id']}/presence",
        {"records": [{"member": {"id": owner}, "acceptCurrentQueueCalls": True}]},
    ).json_dict()
    assert next(m for m in back["records"] if m["member"]["id"] == owner)["acceptCurrentQueueCalls"]
    # DND on the presence record turns acceptQueueCalls off in the queue view.
    platform.put(f"{API}/extension/~/presence", {"dndStatus": "DoNotAcceptAnyCalls"})
    members = platform.get(f"{API}/call-queues/{queue['id']}/presence").json_dict()["records"]
    assert next(m for m in members if m["member"]["id"] == owner)["acceptQueueCalls"] is False
    with pytest.raises(Exception, match="CMN-102"):
        platform.get(f"{API}/call-queues/{owner}/presence")  # a user is not a queue


def test_sdk_reads_and_patches_unified_presence(platform) -> None:  # type: ignore[no-untyped-def]
    path = f"{API}/extension/~/unified-presence"
    assert platform.get(path).json_dict()["glip"]["visibility"] == "Visible"
    body = {"glip": {"availability": "DND"}, "telephony": {"availability": "DoNotAcceptQueueCalls"}}
    patched = platform.patch(path, body).json_dict()
    assert patched["status"] == "DND"
    assert patched["telephony"]["availability"] == "DoNotAcceptQueueCalls"
    presence = platform.get(f"{API}/extension/~/presence").json_dict()
    assert presence["dndStatus"] == "DoNotAcceptDepartmentCalls"


def test_plain_requests_batch_as_json(platform, server: str) -> None:  # type: ignore[no-untyped-def]
    token = platform.auth().access_token()
    listing = platform.get(f"{API}/presence", {"perPage": 3}).json_dict()
    ids = [str(r["extension"]["id"]) for r in listing["records"]] + ["424242"]
    answer = requests.get(
        f"{server}{API}/extension/{','.join(ids)}/presence",
        headers={"Authorization": f"Bearer {token}", "Accept": MULTIPART_JSON},
        timeout=5,
    )
    assert answer.status_code == 207
    assert answer.headers["Content-Type"] == MULTIPART_JSON
    items = answer.json()
    assert [i["resourceId"] for i in items] == ids
    assert [i["status"] for i in items] == [200, 200, 200, 404]
    assert items[3]["body"]["errorCode"] == "CMN-102"
    empty = requests.get(
        f"{server}{API}/presence",
        params={"perPage": 0},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert empty.status_code == 200 and empty.json()["records"] == []
