"""`presence-mock record` leaves no secret and no personal datum in a recording: each kind is
planted in a session through the real record proxy (tests/support/fake_upstream.py
`planted_upstream`), by the client and by the upstream, and none of the planted values is anywhere
in the file; what the operator names with `--scrub-field` / `--scrub-header` (or their variables)
too."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mockserver.recording.exchange import load
from tests.support.fake_upstream import HOOK_ADDRESS, PLANTED, planted_upstream
from tests.support.live_server import COMMAND, free_port, running

# What the client sends (beside what the upstream answers with).
SENT = {
    "api_key_header": "ApiKey-planted-0008",
    "api_key_query": "QApiKey-planted-0015",
    "env_field": "Badge-planted-0011",
    "env_header": "Owner-planted-0013",
    "login_hint": "+16505550177",
}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("scrub")
    out = folder / "recording.json"
    env = {
        **os.environ,
        "PRESENCE_MOCK_SCRUB_FIELD": "employeeBadge",
        "PRESENCE_MOCK_SCRUB_HEADER": "X-Trace-Owner",
    }
    with planted_upstream() as upstream:
        port = free_port()
        command = [COMMAND, "record", "--target", upstream, "--out", str(out)]
        command += ["--port", str(port), "--scrub-field", "internalRef,unusedName"]
        command += ["--scrub-header", "X-Tenant"]
        with running(command, port, folder, env) as proxy:
            _session(proxy)
    yield out


def _session(proxy: str) -> None:
    headers = {
        "Authorization": "Bearer a-token",
        "X-Api-Key": SENT["api_key_header"],
        "X-Tenant": PLANTED["named_header"],
        "X-Trace-Owner": SENT["env_header"],
    }
    answer = requests.get(
        proxy + "/restapi/oauth/authorize",
        params={"response_type": "code", "client_id": "c", "login_hint": SENT["login_hint"]},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    assert requests.post(proxy + "/restapi/oauth/wstoken", headers=headers, timeout=10).ok
    body: dict[str, Any] = {
        "eventFilters": ["/restapi/v1.0/account/~/extension/~/presence"],
        "deliveryMode": {
            "transportType": "WebHook",
            "address": HOOK_ADDRESS,
            "verificationToken": PLANTED["verificationToken"],
        },
        "employeeBadge": SENT["env_field"],
    }
    sub = requests.post(
        proxy + "/restapi/v1.0/subscription", json=body, headers=headers, timeout=10
    )
    assert sub.ok
    read = requests.get(
        proxy + "/restapi/v1.0/account/~/extension/~",
        params={"api_key": SENT["api_key_query"]},
        headers=headers,
        timeout=10,
    )
    assert read.json()["contact"]["department"] == PLANTED["department"]  # passed on unchanged
    assert requests.get(
        proxy + "/restapi/v1.0/account/~/extension/~/presence", headers=headers, timeout=10
    ).ok


@pytest.mark.parametrize("kind", sorted({**PLANTED, **SENT}))
def test_no_planted_value_is_in_the_recording(recorded: Path, kind: str) -> None:
    value = {**PLANTED, **SENT}[kind]
    text = recorded.read_text()
    assert value not in text
    assert value.lower() not in text.lower()


def test_the_recording_is_still_useful(recorded: Path) -> None:
    every = [
        e for e in load(recorded)["exchanges"] if not e["request"]["path"].startswith("/_mock")
    ]
    assert len(every) == 5
    by_path = {e["request"]["path"].rsplit("/", 1)[-1]: e for e in every}
    exchanges = [by_path[name] for name in ("authorize", "wstoken", "subscription", "~")]
    location = exchanges[0]["response"]["headers"]["Location"]
    assert location.startswith("http://127.0.0.1:9/cb?code=scrubbed-code-")
    mode = exchanges[2]["request"]["body"]["deliveryMode"]
    assert mode["address"].startswith("https://scrubbed-user-1:scrubbed-password-1@")
    assert mode["transportType"] == "WebHook"
    contact = exchanges[3]["response"]["body"]["contact"]
    assert contact["businessPhone"].startswith("+1")  # a number still, a stand-in one
    assert contact["businessAddress"]["country"].startswith("Address ")
    # IDs stay: the subscription's UUID, the extension's ID.
    assert exchanges[2]["response"]["body"]["id"] == "2f2a3d6e-1b4c-4d5e-8f90-a1b2c3d4e5f6"
    assert exchanges[3]["response"]["body"]["id"] == 62000001
