"""Schemathesis (decision TEST-1), every check (`--checks all`), over the spec's operations that
the emulator serves, against a live `presence-mock serve`: no 5xx, nothing off the spec.

Four narrowings, each an emulator fact: `client_id` is the one app it knows, `redirect_uri` is
required (its apps register none to fall back on), there are no client assertions, and a PUT
names one extension (no comma).

The spec subset (spec/ringcentral-presence-openapi.yml) is narrowed to those operations and
given what the platform answers besides 200 (docs/contract.md#errors-table, in the shapes of
`schemas/`) and the paging bounds (`page`, `perPage` positive int32; docs/contract.md#paging):
the spec itself lists a 200 only, so every documented 400/401/404 would otherwise count as off
the spec. The API
operations run with a bearer token; the OAuth ones with the demo app's Basic credentials.
Bounded: a few examples per operation and a time limit per run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from presence_mock_kit.receiver import WebhookReceiver
from tests.support.live_server import COMMAND, serving
from tests.support.login import jwt_token
from tests.support.paths import REPO

SPEC = REPO / "spec" / "ringcentral-presence-openapi.yml"
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
MAX_EXAMPLES = "10"
MAX_SECONDS = "45"
API_OPERATIONS = ("readUserPresenceStatus", "updateUserPresenceStatus", "readAccountPresence")
OAUTH_OPERATIONS = ("getToken", "revokeToken", "authorize")
# WebHook subscriptions, with the spec's own example address (consumer-host.example.com): the
# emulator refuses it with SUB-521 before any lookup (docs/security.md), and the test suite's
# network guard fails the run if anything looks it up.
SUBSCRIPTION_OPERATIONS = (
    "listSubscriptions",
    "createSubscription",
    "readSubscription",
    "updateSubscription",
    "renewSubscription",
    "deleteSubscription",
)
_SUBSCRIPTION_ERRORS = ("400", "401", "403", "404", "413", "414", "429", "431")
ERROR_STATUSES = {  # what the platform answers besides success (contract Part A)
    "readUserPresenceStatus": ("400", "401", "403", "404", "414", "429", "431"),
    "updateUserPresenceStatus": ("400", "401", "403", "404", "413", "414", "429", "431"),
    "readAccountPresence": ("400", "401", "403", "404", "414", "429", "431"),
    "getToken": ("400", "413", "414", "429", "431"),
    "revokeToken": ("400", "413", "414", "429", "431"),
    "authorize": ("400", "414", "431"),
    **dict.fromkeys(SUBSCRIPTION_OPERATIONS, _SUBSCRIPTION_ERRORS),
}


def derived_spec(directory: Path, client_id: str) -> Path:
    spec = yaml.safe_load(SPEC.read_text())
    served = dict.fromkeys((*API_OPERATIONS, *OAUTH_OPERATIONS, *SUBSCRIPTION_OPERATIONS))
    paths: dict = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") in served:
                paths.setdefault(path, {})[method] = operation
                _document(operation, client_id, spec["components"].get("parameters", {}))
    spec["paths"] = paths
    # No app of the emulator has a key to check an RFC 7523 client assertion with, so it offers
    # none: such a request is refused with invalid_client (docs/decisions.md).
    spec["components"]["schemas"]["ClientAuthJwtModel"]["properties"] = {}
    spec.setdefault("components", {}).setdefault("schemas", {}).update(_error_schemas())
    written = directory / "served-subset.json"
    written.write_text(json.dumps(spec, default=str))  # YAML reads some examples as dates
    return written


def _document(operation: dict, client_id: str, shared: dict) -> None:
    error = {"$ref": "#/components/schemas/EmulatorError"}
    for status in ERROR_STATUSES[operation["operationId"]]:
        operation["responses"].setdefault(
            status,
            {"description": "contract Part A", "content": {"application/json": {"schema": error}}},
        )
    parameters = [
        dict(shared[p["$ref"].rpartition("/")[2]]) if "$ref" in p else p
        for p in operation.get("parameters", [])
    ]
    for parameter in parameters:
        if parameter.get("name") == "page":  # a positive int32 (docs/contract.md#paging)
            parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": 2**31 - 1}
        if parameter.get("name") == "perPage":  # 0 is valid: an empty page (contract.md#paging)
            parameter["schema"] = {**parameter["schema"], "minimum": 0, "maximum": 2**31 - 1}
        if parameter.get("name") == "client_id":  # the one app this emulator knows
            parameter["schema"] = {"type": "string", "enum": [client_id]}
        if parameter.get("name") == "redirect_uri":  # its apps register none (decisions.md)
            parameter["required"] = True
        single = operation["operationId"] == "updateUserPresenceStatus"
        if parameter.get("name") == "extensionId" and single:  # PUT is for one (decisions.md)
            parameter["schema"] = {**parameter["schema"], "pattern": "^[^,]*$"}
    if parameters:
        operation["parameters"] = parameters


def _error_schemas() -> dict:
    # Either shape of error body (docs/contract.md#error-shape, or the OAuth one); the details
    # are checked strictly by the emulator itself (PRESENCE_MOCK_VALIDATE_RESPONSES, set by
    # live_server).
    return {
        "EmulatorError": {
            "type": "object",
            "required": ["errors"],
            "properties": {"errors": {"type": "array"}},
        }
    }


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    printed = subprocess.run([COMMAND, "credentials", "--json"], capture_output=True, check=True)
    credentials = json.loads(printed.stdout)
    with serving(tmp_path_factory.mktemp("st"), "--workers", "1") as url:
        yield url, credentials


# Schemathesis' own list of statuses that count as "rejected" for invalid data, plus the
# emulator's limits on a request (web/limits.py): a generated query long enough to pass 4000
# bytes is refused with 414, and that is a rejection too.
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415",
                     "422", "428", "429", "431", "5xx"]
"""


def run(spec: Path, url: str, operations: tuple[str, ...], *options: str) -> str:
    config = spec.parent / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [SCHEMATHESIS, "--config-file", str(config), "run", str(spec), "--url", url]
    command += ["--checks", "all"]
    command += [
        "--max-examples",
        MAX_EXAMPLES,
        "--max-time",
        MAX_SECONDS,
        "--no-color",
        "--seed",
        "1",
    ]
    for operation in operations:
        command += ["--include-operation-id", operation]
    finished = subprocess.run(
        [*command, *options], capture_output=True, text=True, timeout=300, cwd=spec.parent
    )
    assert finished.returncode == 0, finished.stdout[-6000:] + finished.stderr[-2000:]
    return finished.stdout


def test_api_operations_pass_every_check(live, tmp_path):
    url, credentials = live
    spec = derived_spec(tmp_path, credentials["clientId"])
    token = jwt_token(url, credentials)
    out = run(spec, url, API_OPERATIONS, "--header", f"Authorization: Bearer {token}")
    assert "passed" in out


def test_subscription_operations_pass_every_check(live, tmp_path):
    """Create, list, read, update, renew and delete, the spec's example address included: no
    5xx, nothing off the spec, and (under the network guard) no lookup of that name. Every
    check but positive_data_acceptance: a create valid by the schema names an address this
    emulator may not POST to (anything but loopback and --webhook-allow), and that is its
    documented 400 SUB-521, not a refusal of valid data."""
    url, credentials = live
    spec = derived_spec(tmp_path, credentials["clientId"])
    token = jwt_token(url, credentials)
    with WebhookReceiver() as hook:
        # One subscription to a receiver on loopback: schemathesis learns its address from the
        # list and creates with it too, so its stateful phase reads, updates, renews and
        # deletes subscriptions that exist, not only 404s.
        made = requests.post(
            url + "/restapi/v1.0/subscription",
            json={
                "eventFilters": ["/restapi/v1.0/account/~/extension/~/presence"],
                "deliveryMode": {"transportType": "WebHook", "address": hook.url},
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert made.status_code == 200, made.text
        out = run(
            spec,
            url,
            SUBSCRIPTION_OPERATIONS,
            "--header",
            f"Authorization: Bearer {token}",
            "--exclude-checks",
            "positive_data_acceptance",
        )
    assert "passed" in out


def test_oauth_operations_pass_every_check(live, tmp_path):
    url, credentials = live
    spec = derived_spec(tmp_path, credentials["clientId"])
    auth = f"{credentials['clientId']}:{credentials['clientSecret']}"
    # Every check but negative_data_rejection: RFC 6749 (3.1, 3.2) has the OAuth endpoints
    # ignore parameters they do not recognize, and authorize report a bad one by redirecting
    # (4.1.2.1, a 302), so "a value the spec does not list is a 4xx" is not the OAuth rule.
    out = run(
        spec, url, OAUTH_OPERATIONS, "--auth", auth, "--exclude-checks", "negative_data_rejection"
    )
    assert "passed" in out
