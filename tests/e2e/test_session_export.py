"""End to end: a session on a live `serve`, driven by the official Python SDK with a WebHook
subscription to a real loopback receiver, exported as HAR 1.2 over GET /_mock/requests.har and
by `presence-mock export --har`; each export is valid under the HAR 1.2 JSON Schema and reads
back as the session that happened, with no secret in it."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft6Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT6

from presence_mock_kit.receiver import WebhookReceiver
from tests.support.live_server import COMMAND, serving
from tests.support.login import demo_credentials, sdk_platform

SCHEMAS = Path(__file__).parents[1] / "support" / "har_schema"
SUBS = "/restapi/v1.0/subscription"
TOKEN = "receiver-verification-token-1234567890"


def har_validator() -> Draft6Validator:
    """The HAR 1.2 schema (the npm package har-schema's files, kept in tests/support)."""
    resources: list[tuple[str, Resource[Any]]] = []
    for path in SCHEMAS.glob("*.json"):
        resources.append((path.name, DRAFT6.create_resource(json.loads(path.read_text()))))
    registry: Registry[Any] = Registry().with_resources(resources)
    return Draft6Validator({"$ref": "har.json"}, registry=registry)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A live server with a session on it: a login, a WebHook subscription, a presence change
    delivered to the receiver, and one request that breaks the request rules."""
    logs = tmp_path_factory.mktemp("logs")
    with WebhookReceiver() as hook, serving(logs) as url:
        platform = sdk_platform(url)
        body = {
            "eventFilters": ["/restapi/v1.0/account/~/extension/~/presence"],
            "deliveryMode": {
                "transportType": "WebHook",
                "address": hook.url,
                "verificationToken": TOKEN,
            },
        }
        subscription = platform.post(SUBS, body).json_dict()["id"]
        path = "/restapi/v1.0/account/~/extension/~/presence"
        platform.put(path, {"userStatus": "Busy", "message": "exporting"})
        hook.wait_for(lambda got: got.json.get("body", {}).get("userStatus") == "Busy")
        bad = requests.get(
            url + "/restapi/v1.0/account/~/presence",
            params={"perPage": "many"},
            headers={"Authorization": f"Bearer {platform.auth().access_token()}"},
            timeout=10,
        )
        assert bad.status_code == 400
        yield {"url": url, "subscription": subscription, "logs": logs}


def test_the_export_is_valid_har_with_every_request_and_delivery(session: dict[str, Any]) -> None:
    answer = requests.get(session["url"] + "/_mock/requests.har", timeout=10)
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    document = answer.json()
    errors = sorted(har_validator().iter_errors(document), key=str)
    assert not errors, [error.message for error in errors[:5]]
    log = document["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "presence-mock"
    entries = log["entries"]
    journal = requests.get(session["url"] + "/_mock/requests", timeout=10).json()
    journal = journal["records"] if isinstance(journal, dict) else journal
    from_journal = [e for e in entries if e.get("_transport") != "WebHook"]
    # One HAR entry per journalled request, in order, with its method, path and status.
    assert [(e["request"]["method"], e["response"]["status"]) for e in from_journal] == [
        (j["method"], j["status"]) for j in journal
    ]
    assert all(e["request"]["url"].startswith(session["url"] + "/restapi/") for e in from_journal)
    assert [e["startedDateTime"] for e in entries] == sorted(e["startedDateTime"] for e in entries)

    put = next(e for e in from_journal if e["request"]["method"] == "PUT")
    assert json.loads(put["request"]["postData"]["text"])["userStatus"] == "Busy"
    assert put["time"] > 0 and put["_verdict"] == "ok"

    violation = next(e for e in from_journal if e["_verdict"] == "violation")
    assert violation["response"]["status"] == 400 and "perPage" in violation["comment"]
    assert {"name": "perPage", "value": "many"} in violation["request"]["queryString"]

    hooks = [e for e in entries if e.get("_transport") == "WebHook"]
    delivered = [e for e in hooks if e["_delivered"]]
    assert delivered, "the WebHook delivery is an entry"
    assert all(e["_subscriptionId"] == session["subscription"] for e in hooks)
    event = json.loads(delivered[-1]["request"]["postData"]["text"])
    assert event["body"]["userStatus"] == "Busy"
    assert delivered[-1]["request"]["method"] == "POST"
    assert delivered[-1]["response"]["status"] == 200


def test_no_secret_travels_in_the_export(session: dict[str, Any]) -> None:
    text = requests.get(session["url"] + "/_mock/requests.har", timeout=10).text
    credentials = demo_credentials()
    for secret in (credentials["clientSecret"], credentials["jwt"], TOKEN):
        assert secret not in text
    entries = json.loads(text)["log"]["entries"]
    token_posts = [e for e in entries if e["request"]["url"].endswith("/oauth/token")]
    assert token_posts, "the login is in the session"
    assert "assertion=%2A%2A%2A" in token_posts[0]["request"]["postData"]["text"]
    created = next(
        e
        for e in entries
        if e["request"]["method"] == "POST" and e["request"]["url"].endswith(SUBS)
    )
    mode = json.loads(created["request"]["postData"]["text"])["deliveryMode"]
    assert mode["verificationToken"] == "***"


def test_the_command_writes_the_same_export(session: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "session.har"
    done = subprocess.run(
        [COMMAND, "export", "--har", str(target), "--url", session["url"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(target.read_text())
    assert not list(har_validator().iter_errors(document))
    assert done.stdout.strip() == f"{target}: {len(document['log']['entries'])} entries"


def test_the_command_says_in_one_line_when_no_server_answers(tmp_path: Path) -> None:
    from tests.support.live_server import free_port

    done = subprocess.run(
        [COMMAND, "export", "--har", str(tmp_path / "x.har")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PRESENCE_MOCK_URL": f"http://127.0.0.1:{free_port()}"},
    )
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "x.har").exists()
