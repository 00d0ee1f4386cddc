"""Each operation of the rest of the Presence tag, the directory and active calls is throttled in
the spec's group and needs the spec's app permission (x-throttling-group, x-app-permission;
docs/contract.md#rate-limits), judged against the spec file itself rather than the route table."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import yaml

from mockserver.directory.model import ExtensionType
from tests.support.answers import find
from tests.support.apps import emulator_with_apps
from tests.support.login import bearer_headers
from tests.support.paths import REPO

SPEC = REPO / "spec" / "ringcentral-presence-openapi.yml"
API = "/restapi/v1.0/account/~"
QUEUE_BODY = {"records": []}
AGENT_BODY = {"records": []}
UNIFIED_BODY = {"glip": {"availability": "Available"}}

# operationId -> (method, path below the account, body); {queue} is a seeded call queue.
NEW_OPERATIONS: dict[str, tuple[str, str, Any]] = {
    "readCallQueuePresence": ("GET", "/call-queues/{queue}/presence", None),
    "updateCallQueuePresence": ("PUT", "/call-queues/{queue}/presence", QUEUE_BODY),
    "readExtensionCallQueuePresence": ("GET", "/extension/~/call-queue-presence", None),
    "updateExtensionCallQueuePresence": ("PUT", "/extension/~/call-queue-presence", AGENT_BODY),
    "readUnifiedPresence": ("GET", "/extension/~/unified-presence", None),
    "updateUnifiedPresence": ("PATCH", "/extension/~/unified-presence", UNIFIED_BODY),
    "readAccountInfo": ("GET", "", None),
    "listExtensions": ("GET", "/extension", None),
    "readExtension": ("GET", "/extension/~", None),
    "listExtensionActiveCalls": ("GET", "/extension/~/active-calls", None),
}


@cache
def spec_operations() -> dict[str, dict[str, Any]]:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return {
        op["operationId"]: op
        for item in spec["paths"].values()
        for method, op in item.items()
        if method != "parameters"
    }


def call(client, headers: dict[str, str], queue_id: int, operation: str):
    method, path, body = NEW_OPERATIONS[operation]
    url = API + path.format(queue=queue_id)
    return client.open(url, method=method, json=body, headers=headers)


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """The demo app, and one app per new operation granted everything but that operation's
    permission."""
    everything = ["ReadPresence", "EditPresence", "ReadAccounts", "ReadCallLog"]
    needed = sorted({spec_operations()[o]["x-app-permission"] for o in NEW_OPERATIONS})
    grants = [[p for p in everything if p != missing] for missing in needed]
    emulator, client = emulator_with_apps(tmp_path_factory.mktemp("apps"), grants)
    return emulator, client, dict(zip(needed, emulator.directory.apps[1:], strict=True))


@pytest.mark.parametrize("operation", sorted(NEW_OPERATIONS))
def test_the_rate_limit_group_is_the_specs(apps, operation):
    emulator, client, _ = apps
    account = emulator.directory.accounts[0]
    queue = find(emulator.directory, lambda e: e.type is ExtensionType.DEPARTMENT and e.members)
    headers = bearer_headers(client, emulator.directory.apps[0], account.administrator)
    answer = call(client, headers, queue.id, operation)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    expected = spec_operations()[operation]["x-throttling-group"].lower()
    assert answer.headers["X-Rate-Limit-Group"] == expected
    assert int(answer.headers["X-Rate-Limit-Remaining"]) < int(answer.headers["X-Rate-Limit-Limit"])
    # an error of the operation (another account: 404) is counted in the same group
    method, path, body = NEW_OPERATIONS[operation]
    url = "/restapi/v1.0/account/1" + path.format(queue=queue.id)
    refused = client.open(url, method=method, json=body, headers=headers)
    assert refused.status_code == 404
    assert refused.headers["X-Rate-Limit-Group"] == expected


@pytest.mark.parametrize("operation", sorted(NEW_OPERATIONS))
def test_an_app_without_the_specs_permission_is_refused(apps, operation):
    emulator, client, lacking = apps
    permission = spec_operations()[operation]["x-app-permission"]
    admin = emulator.directory.accounts[0].administrator
    queue = find(emulator.directory, lambda e: e.type is ExtensionType.DEPARTMENT and e.members)
    headers = bearer_headers(client, lacking[permission], admin)
    answer = call(client, headers, queue.id, operation)
    assert answer.status_code == 403
    body = answer.get_json()
    # The recorded body: the logical code on top, CMN-401 in errors[] (decision FID-5).
    assert body["errorCode"] == "InsufficientPermissions"
    assert body["errors"][0]["errorCode"] == "CMN-401"
    assert body["errors"][0]["permissionName"] == body["permissionName"] == permission
    # refused after counting: the answer still names the operation's group
    expected = spec_operations()[operation]["x-throttling-group"].lower()
    assert answer.headers["X-Rate-Limit-Group"] == expected
